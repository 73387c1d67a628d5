import type { Folder } from './api';
import { folderHref, type BrowseState } from './browseState';
import { FolderIcon } from './icons';
import { followLink } from './router';

interface Props {
  state: BrowseState;
  folders: Folder[];
  truncated: boolean;
}

export function FolderList({ state, folders, truncated }: Props) {
  if (folders.length === 0) return null;
  return (
    <section class="folders">
      <h2 class="section-title">Folders</h2>
      <ul class="folder-grid">
        {folders.map((folder) => (
          <li key={folder.path}>
            <a class="folder-link" href={folderHref(state, folder.path)} onClick={followLink}>
              <FolderIcon />
              <span class="folder-name">{folder.name}</span>
            </a>
          </li>
        ))}
      </ul>
      {truncated && <p class="muted">Only the first {folders.length} sub-folders are shown. Search to find the rest.</p>}
    </section>
  );
}
