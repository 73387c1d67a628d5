import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort, type FileRecord, type SortKey, type SortOrder } from './api';
import { messageOf } from './hooks';

export interface FileListQuery {
  folder: string;
  q: string;
  sort: SortKey;
  order: SortOrder;
}

interface ListState {
  items: FileRecord[];
  cursor: string | null;
  /** `loading`: the first page; `more`: a further page. */
  phase: 'loading' | 'more' | 'ready';
  error: string | null;
}

const INITIAL: ListState = { items: [], cursor: null, phase: 'loading', error: null };

/**
 * One listing (a folder, or a search) page by page. Answers that arrive after the query
 * changed are dropped, so a slow page never shows up under the wrong folder.
 */
export function useFileList(query: FileListQuery) {
  const [state, setState] = useState<ListState>(INITIAL);
  const [reloads, setReloads] = useState(0);
  const generation = useRef(0);
  /** Files uploaded while the first page is on its way (null when it is not), which it may or may not include. */
  const early = useRef<FileRecord[] | null>(null);
  const { folder, q, sort, order } = query;

  useEffect(() => {
    const current = ++generation.current;
    const controller = new AbortController();
    early.current = [];
    setState(INITIAL);
    api.files({ folder, q, sort, order }, controller.signal).then(
      (page) => {
        if (current !== generation.current) return;
        const ready: ListState = { items: page.items, cursor: page.next_cursor, phase: 'ready', error: null };
        setState((early.current ?? []).reduce((s, file) => withFile(s, file, sort, order), ready));
        early.current = null;
      },
      (error: unknown) => {
        if (!isAbort(error) && current === generation.current) {
          early.current = null;
          setState({ ...INITIAL, phase: 'ready', error: messageOf(error) });
        }
      },
    );
    return () => controller.abort();
  }, [folder, q, sort, order, reloads]);

  const loadMore = useCallback(() => {
    if (state.phase !== 'ready' || !state.cursor) return;
    const current = generation.current;
    setState((s) => ({ ...s, phase: 'more', error: null }));
    api.files({ folder, q, sort, order, cursor: state.cursor }).then(
      (page) => {
        if (current !== generation.current) return;
        setState((s) => {
          // A file that arrived by upload meanwhile may be on this page as well.
          const known = new Set(s.items.map((f) => f.id));
          const items = [...s.items, ...page.items.filter((f) => !known.has(f.id))];
          return { items, cursor: page.next_cursor, phase: 'ready', error: null };
        });
      },
      (error: unknown) => {
        if (current === generation.current) setState((s) => ({ ...s, phase: 'ready', error: messageOf(error) }));
      },
    );
  }, [state.phase, state.cursor, folder, q, sort, order]);

  /** Shows a new file where the sort puts it, unless that is past the pages loaded so far. */
  const insert = useCallback(
    (file: FileRecord) => {
      if (early.current) early.current.push(file);
      else setState((s) => withFile(s, file, sort, order));
    },
    [sort, order],
  );

  const replace = useCallback((file: FileRecord) => {
    setState((s) => ({ ...s, items: s.items.map((f) => (f.id === file.id ? file : f)) }));
  }, []);

  const remove = useCallback((id: string) => {
    setState((s) => ({ ...s, items: s.items.filter((f) => f.id !== id) }));
  }, []);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  return {
    items: state.items,
    loading: state.phase === 'loading',
    loadingMore: state.phase === 'more',
    hasMore: state.cursor !== null,
    error: state.error,
    loadMore,
    insert,
    replace,
    remove,
    reload,
  };
}

function withFile(state: ListState, file: FileRecord, sort: SortKey, order: SortOrder): ListState {
  if (state.items.some((f) => f.id === file.id)) return state;
  const before = comparator(sort, order);
  const index = state.items.findIndex((f) => before(file, f));
  if (index === -1 && state.cursor) return state;
  const items = [...state.items];
  items.splice(index === -1 ? items.length : index, 0, file);
  return { ...state, items };
}

/** Whether `a` comes before `b` in the listing's order (the server's order, near enough). */
function comparator(sort: SortKey, order: SortOrder): (a: FileRecord, b: FileRecord) => boolean {
  // Names sort case-insensitively on the server.
  const value = (f: FileRecord): string | number =>
    sort === 'size' ? f.size : sort === 'name' ? f.name.toLowerCase() : f.created_at;
  return (a, b) => {
    const [x, y] = [value(a), value(b)];
    return order === 'asc' ? x < y : x > y;
  };
}
