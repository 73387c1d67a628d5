import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type FileRecord } from './api';
import { Breadcrumbs } from './Breadcrumbs';
import { browseHref, folderHref, type BrowseState } from './browseState';
import { DeleteDialog } from './DeleteDialog';
import { FileTable, type FileAction } from './FileTable';
import { FolderList } from './FolderList';
import { formatDate, plural } from './format';
import { useInView, useTitle } from './hooks';
import { MoveDialog } from './MoveDialog';
import { NewFolderDialog } from './NewFolderDialog';
import { folderName, isInside, ROOT } from './paths';
import { RenameDialog } from './RenameDialog';
import { followLink, navigate } from './router';
import { SearchBox } from './SearchBox';
import { ExpiryDialog } from './ExpiryDialog';
import { CollectionShareDialog } from './CollectionShareDialog';
import { PreviewDialog } from './PreviewDialog';
import { ShareDialog } from './ShareDialog';
import { SortSelect } from './SortSelect';
import { UploadButton } from './UploadButton';
import { UploadPanel } from './UploadPanel';
import type { UploadQueue } from './uploads';
import { useFileDrop } from './useFileDrop';
import { useFileList } from './useFileList';
import { useFolders } from './useFolders';

type OpenDialog =
  | { kind: FileAction; file: FileRecord }
  | { kind: 'new-folder' }
  | { kind: 'share-folder' }
  | { kind: 'share-selected' }
  | null;

interface Props {
  state: BrowseState;
  queue: UploadQueue;
  /** Something changed the account's usage (a deletion). */
  onUsageChanged(): void;
}

/** The folder (or search) in view: folders, files, uploads, and what can be done to them. */
/** The most files one link may hold (`POST /shares` with `file_ids`). */
const MAX_LINK_FILES = 1000;

export function Browser({ state, queue, onUsageChanged }: Props) {
  const searching = state.q !== '';
  const files = useFileList(state);
  const folders = useFolders(state.folder, !searching);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  /** The ids of the files ticked for a link to all of them; forgotten with the folder or search. */
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setSelected(new Set()), [state.folder, state.q]);
  const select = (id: string, on: boolean) =>
    setSelected((now) => {
      const next = new Set(now);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  /** Ticks every file shown (up to the 1,000 one link may hold), or none. */
  const selectAll = (on: boolean) =>
    setSelected(on ? new Set(files.items.slice(0, MAX_LINK_FILES).map((file) => file.id)) : new Set());
  const [notice, setNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);

  const title = searching ? `Results for “${state.q}”` : folderName(state.folder);
  useTitle(searching ? `Search: ${state.q}` : title);

  // A new folder is a new page: screen readers hear its name, keyboards start from its top.
  const shownFolder = useRef(state.folder);
  useEffect(() => {
    if (shownFolder.current === state.folder) return;
    shownFolder.current = state.folder;
    setNotice('');
    heading.current?.focus();
  }, [state.folder]);

  // Uploads land in the list without a reload; into a sub-folder, they may create one.
  const latest = useRef({ state, files, folders });
  latest.current = { state, files, folders };
  useEffect(
    () =>
      queue.onUploaded((file) => {
        const { state: now, files: list, folders: sub } = latest.current;
        if (now.q) return;
        if (file.folder === now.folder) list.insert(file);
        else if (isInside(file.folder, now.folder)) sub.reload();
      }),
    [queue],
  );

  const upload = (chosen: File[]) => {
    queue.add(chosen, state.folder);
    setNotice('');
  };
  const dragging = useFileDrop(upload, (count) =>
    setNotice(`${plural(count, 'folder was', 'folders were')} not uploaded: drop the files inside a folder instead.`),
  );

  const sentinel = useInView(files.loadMore, files.hasMore && !files.loading && !files.loadingMore && !files.error);
  const close = () => setDialog(null);

  const renamed = (file: FileRecord) => {
    files.replace(file);
    setNotice(`Renamed to “${file.name}”.`);
    close();
  };

  const moved = (file: FileRecord) => {
    if (searching) files.replace(file);
    else if (file.folder !== state.folder) files.remove(file.id);
    // Moving can create a sub-folder here, or empty one.
    folders.reload();
    setNotice(`Moved “${file.name}” to ${file.folder === ROOT ? 'All files' : file.folder}.`);
    close();
  };

  const expiryChanged = (file: FileRecord) => {
    files.replace(file);
    setNotice(
      file.expires_at
        ? `“${file.name}” expires ${formatDate(file.expires_at)}.`
        : `“${file.name}” no longer expires.`,
    );
    close();
  };

  const deleted = (file: FileRecord) => {
    files.remove(file.id);
    folders.reload();
    onUsageChanged();
    setNotice(`Deleted “${file.name}”.`);
    close();
  };

  // Said once both lists are in, so a folder with sub-folders is never called empty.
  const empty = !files.loading && !files.error && files.items.length === 0 && !folders.loading;

  return (
    <div class={dragging ? 'browser dragging' : 'browser'}>
      <Breadcrumbs state={state} />
      <div class="browser-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        <div class="button-row">
          <button type="button" onClick={() => setDialog({ kind: 'new-folder' })}>
            New folder
          </button>
          {!searching && (
            <button type="button" onClick={() => setDialog({ kind: 'share-folder' })}>
              Share folder
            </button>
          )}
          {selected.size > 0 && (
            <button type="button" onClick={() => setDialog({ kind: 'share-selected' })}>
              Share {plural(selected.size, 'file', 'files')}
            </button>
          )}
          <UploadButton onFiles={upload} />
        </div>
      </div>
      <div class="toolbar">
        <SearchBox state={state} />
        <SortSelect state={state} />
      </div>
      <p role="status" class="notice-line">
        {notice}
      </p>

      <UploadPanel queue={queue} folder={state.folder} />

      <Alert message={folders.error ?? files.error} />
      {!searching && <FolderList state={state} folders={folders.folders} truncated={folders.truncated} />}

      <section class="file-section" aria-busy={files.loading}>
        {files.items.length > 0 && (
          <FileTable
            state={state}
            files={files.items}
            selected={selected}
            onSelect={select}
            onSelectAll={selectAll}
            onAction={(kind, file) => setDialog({ kind, file })}
          />
        )}
        <p role="status" class="muted">
          {files.loading ? 'Loading files…' : files.loadingMore ? 'Loading more files…' : ''}
        </p>
        {empty && <EmptyState state={state} hasFolders={folders.folders.length > 0} />}
        {files.hasMore && !files.loading && (
          <div class="load-more" ref={sentinel}>
            <button type="button" onClick={files.loadMore} disabled={files.loadingMore}>
              Load more
            </button>
          </div>
        )}
      </section>

      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          <p>Drop files to upload them to {folderName(state.folder)}</p>
        </div>
      )}

      {dialog?.kind === 'new-folder' && (
        <NewFolderDialog
          parent={state.folder}
          onOpen={(folder) => {
            close();
            navigate(folderHref(state, folder));
          }}
          onClose={close}
        />
      )}
      {dialog?.kind === 'rename' && <RenameDialog file={dialog.file} onRenamed={renamed} onClose={close} />}
      {dialog?.kind === 'move' && (
        <MoveDialog file={dialog.file} nearby={folders.folders} onMoved={moved} onClose={close} />
      )}
      {dialog?.kind === 'delete' && <DeleteDialog file={dialog.file} onDeleted={deleted} onClose={close} />}
      {dialog?.kind === 'share' && <ShareDialog file={dialog.file} onClose={close} />}
      {dialog?.kind === 'preview' && <PreviewDialog file={dialog.file} onClose={close} />}
      {dialog?.kind === 'expiry' && <ExpiryDialog file={dialog.file} onChanged={expiryChanged} onClose={close} />}
      {dialog?.kind === 'share-folder' && (
        <CollectionShareDialog
          title={`Share ${folderName(state.folder)}`}
          description="Anyone with the link sees the files of this folder and its sub-folders as they are when they open it, and can download them one by one or all at once."
          create={(share) => api.shareFolder(state.folder, share)}
          onClose={close}
        />
      )}
      {dialog?.kind === 'share-selected' && (
        <CollectionShareDialog
          title={`Share ${plural(selected.size, 'file', 'files')}`}
          description="Anyone with the link sees these files and can download them one by one or all at once."
          create={(share) => api.shareFiles([...selected], share)}
          onClose={close}
        />
      )}
    </div>
  );
}

function EmptyState({ state, hasFolders }: { state: BrowseState; hasFolders: boolean }) {
  if (state.q) {
    return (
      <div class="empty">
        <p>No results for “{state.q}”.</p>
        <p class="muted">
          Search looks at file names in all folders.{' '}
          <a href={browseHref({ ...state, q: '' })} onClick={followLink}>
            Clear the search
          </a>
        </p>
      </div>
    );
  }
  if (hasFolders) return <p class="muted empty">No files directly in this folder.</p>;
  if (state.folder === ROOT) {
    return (
      <div class="empty">
        <p>No files yet.</p>
        <p class="muted">Upload files with the button above, or drop them anywhere on this page.</p>
      </div>
    );
  }
  return (
    <div class="empty">
      <p>This folder is empty; upload files here to create it.</p>
      <p class="muted">Folders exist while they hold files. Use “Upload files” or drop files anywhere on this page.</p>
    </div>
  );
}
