import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort, type Folder } from './api';
import { messageOf } from './hooks';

/** The sub-folders of `parent`; not fetched while `enabled` is false (a search shows none). */
export function useFolders(parent: string, enabled: boolean) {
  const [folders, setFolders] = useState<Folder[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [loading, setLoading] = useState(enabled);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const generation = useRef(0);
  const shown = useRef<string | null>(null);

  useEffect(() => {
    const current = ++generation.current;
    // A reload of the same folder keeps showing the old list until the new one is in.
    if (shown.current !== parent || !enabled) {
      setFolders([]);
      setTruncated(false);
    }
    shown.current = enabled ? parent : null;
    setError(null);
    if (!enabled) {
      setLoading(false);
      return;
    }
    setLoading(true);
    const controller = new AbortController();
    api.folders(parent, controller.signal).then(
      (list) => {
        if (current !== generation.current) return;
        setFolders(list.items);
        setTruncated(list.truncated);
        setLoading(false);
      },
      (e: unknown) => {
        if (isAbort(e) || current !== generation.current) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [parent, enabled, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { folders, truncated, loading, error, reload };
}
