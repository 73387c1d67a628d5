import { api, type FileRecord } from './api';
import { folderHref, type BrowseState } from './browseState';
import { formatBytes, formatDate } from './format';
import { FileIcon } from './icons';
import { previewable } from './preview';
import { followLink } from './router';

export type FileAction = 'preview' | 'rename' | 'move' | 'share' | 'expiry' | 'delete';

interface Props {
  state: BrowseState;
  files: FileRecord[];
  /** The ids of the files ticked for a link to all of them. */
  selected: ReadonlySet<string>;
  onSelect(id: string, on: boolean): void;
  /** Ticks every file shown (`true`), or none. */
  onSelectAll(on: boolean): void;
  onAction(action: FileAction, file: FileRecord): void;
}

/** The files as a table; on narrow screens each row becomes a card (see app.css). */
export function FileTable({ state, files, selected, onSelect, onSelectAll, onAction }: Props) {
  const searching = state.q !== '';
  const ticked = files.filter((file) => selected.has(file.id)).length;
  return (
    <table class="files">
      <caption class="visually-hidden">{searching ? 'Search results' : 'Files'}</caption>
      <thead>
        <tr>
          <th scope="col" class="file-select">
            <input
              type="checkbox"
              aria-label="Select all files shown"
              checked={ticked > 0 && ticked === files.length}
              // Some but not all: neither ticked nor clear, as screen readers announce it.
              ref={(box) => {
                if (box) box.indeterminate = ticked > 0 && ticked < files.length;
              }}
              // With any ticked (all, or some), it clears them; with none, it ticks them all.
              onChange={() => onSelectAll(ticked === 0)}
            />
          </th>
          <th scope="col">Name</th>
          {searching && <th scope="col">Location</th>}
          <th scope="col" class="numeric">
            Size
          </th>
          <th scope="col">Added</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {files.map((file) => (
          <FileRow
            key={file.id}
            file={file}
            state={state}
            searching={searching}
            selected={selected.has(file.id)}
            onSelect={onSelect}
            onAction={onAction}
          />
        ))}
      </tbody>
    </table>
  );
}

interface RowProps {
  file: FileRecord;
  state: BrowseState;
  searching: boolean;
  selected: boolean;
  onSelect(id: string, on: boolean): void;
  onAction(action: FileAction, file: FileRecord): void;
}

function FileRow({ file, state, searching, selected, onSelect, onAction }: RowProps) {
  const name = file.name;
  return (
    <tr>
      <td class="file-select">
        <input
          type="checkbox"
          checked={selected}
          aria-label={`Select ${name}`}
          onChange={(event) => onSelect(file.id, event.currentTarget.checked)}
        />
      </td>
      <th scope="row" class="file-name">
        <FileIcon />
        <span>{name}</span>
        {file.expires_at && <span class="muted file-expiry"> · expires {formatDate(file.expires_at)}</span>}
      </th>
      {searching && (
        <td class="file-folder">
          <a href={folderHref(state, file.folder)} onClick={followLink}>
            {file.folder === '/' ? 'All files' : file.folder}
          </a>
        </td>
      )}
      <td class="numeric file-size">{formatBytes(file.size)}</td>
      <td class="file-date">
        <time dateTime={file.created_at}>{formatDate(file.created_at)}</time>
      </td>
      <td class="file-actions">
        <a class="button small" href={api.downloadUrl(file.id)} download={name} aria-label={`Download ${name}`}>
          Download
        </a>
        {previewable(file.content_type) && (
          <button type="button" class="small" aria-label={`Preview ${name}`} onClick={() => onAction('preview', file)}>
            Preview
          </button>
        )}
        <button type="button" class="small" aria-label={`Share ${name}`} onClick={() => onAction('share', file)}>
          Share
        </button>
        <button type="button" class="small" aria-label={`Rename ${name}`} onClick={() => onAction('rename', file)}>
          Rename
        </button>
        <button type="button" class="small" aria-label={`Move ${name}`} onClick={() => onAction('move', file)}>
          Move
        </button>
        <button
          type="button"
          class="small"
          aria-label={`Expiry of ${name}`}
          onClick={() => onAction('expiry', file)}
        >
          Expiry
        </button>
        <button
          type="button"
          class="small danger-quiet"
          aria-label={`Delete ${name}`}
          onClick={() => onAction('delete', file)}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}
