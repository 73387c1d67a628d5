// Small hooks shared by the views.

import { useEffect, useRef, useState } from 'preact/hooks';

/** Sets the document title for as long as the view is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · edgedrop`;
  }, [title]);
}

/** `value`, once it has stopped changing for `delay` milliseconds. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

interface Store<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}

/** The current snapshot of an external store, re-rendering when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [snapshot, setSnapshot] = useState(() => store.getSnapshot());
  useEffect(() => {
    setSnapshot(store.getSnapshot());
    return store.subscribe(() => setSnapshot(store.getSnapshot()));
  }, [store]);
  return snapshot;
}

/** Calls `callback` when the element scrolls into view (infinite scroll's sentinel). */
export function useInView(callback: () => void, enabled: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => {
    const element = ref.current;
    if (!element || !enabled || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) latest.current();
      },
      { rootMargin: '400px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [enabled]);
  return ref;
}

export interface Action {
  busy: boolean;
  error: string | null;
  setError(message: string | null): void;
  /** Runs `task`, showing its failure as `error`; resolves true when it succeeded. */
  run(task: () => Promise<void>): Promise<boolean>;
}

/** The busy and error state of a form's submit. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await task();
      return true;
    } catch (error) {
      if (mounted.current) setError(messageOf(error));
      return false;
    } finally {
      if (mounted.current) setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

export function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}

/**
 * A trigger for `task` that never runs it twice at once: calls made while it runs are
 * folded into one more run afterwards, so the last call always sees fresh results.
 */
export function useCoalesced(task: () => Promise<void>): () => void {
  const latest = useRef(task);
  latest.current = task;
  const state = useRef<'idle' | 'running' | 'again'>('idle');
  const trigger = useRef(() => {
    if (state.current !== 'idle') {
      state.current = 'again';
      return;
    }
    state.current = 'running';
    void latest.current().finally(() => {
      const again = state.current === 'again';
      state.current = 'idle';
      if (again) trigger.current();
    });
  });
  return trigger.current;
}
