// What the file browser shows, kept in the URL query (`/?folder=/a&q=…&sort=name&order=asc`).
// Defaults are left out of the URL so the plain `/` is the newest files at the top level.

import type { SortKey, SortOrder } from './api';
import { isFolderPath, ROOT } from './paths';

export interface BrowseState {
  folder: string;
  q: string;
  sort: SortKey;
  order: SortOrder;
}

const DEFAULT_BROWSE: BrowseState = { folder: ROOT, q: '', sort: 'created_at', order: 'desc' };

export const SORT_CHOICES: { label: string; sort: SortKey; order: SortOrder }[] = [
  { label: 'Newest first', sort: 'created_at', order: 'desc' },
  { label: 'Oldest first', sort: 'created_at', order: 'asc' },
  { label: 'Name A–Z', sort: 'name', order: 'asc' },
  { label: 'Name Z–A', sort: 'name', order: 'desc' },
  { label: 'Largest first', sort: 'size', order: 'desc' },
  { label: 'Smallest first', sort: 'size', order: 'asc' },
];

const SORT_KEYS: readonly string[] = ['created_at', 'name', 'size'];

/** The state a URL query asks for; anything malformed falls back to the default. */
export function readBrowse(query: URLSearchParams): BrowseState {
  const folder = query.get('folder') ?? ROOT;
  const sort = query.get('sort') ?? '';
  const order = query.get('order');
  return {
    folder: isFolderPath(folder) ? folder : ROOT,
    q: query.get('q')?.trim() ?? '',
    sort: SORT_KEYS.includes(sort) ? (sort as SortKey) : DEFAULT_BROWSE.sort,
    order: order === 'asc' || order === 'desc' ? order : DEFAULT_BROWSE.order,
  };
}

export function browseHref(state: BrowseState): string {
  const query = new URLSearchParams();
  if (state.folder !== DEFAULT_BROWSE.folder) query.set('folder', state.folder);
  if (state.q) query.set('q', state.q);
  if (state.sort !== DEFAULT_BROWSE.sort || state.order !== DEFAULT_BROWSE.order) {
    query.set('sort', state.sort);
    query.set('order', state.order);
  }
  const encoded = query.toString();
  return encoded ? `/?${encoded}` : '/';
}

/** The link that opens `folder`, keeping the sort and leaving any search. */
export function folderHref(state: BrowseState, folder: string): string {
  return browseHref({ ...state, folder, q: '' });
}
