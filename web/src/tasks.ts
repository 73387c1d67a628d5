// Small helpers for cancellable concurrent work.

import { abortError } from './api';

/** Runs `task` over `items`, at most `limit` at a time; the first failure stops the rest. */
export async function eachLimited<T>(
  items: T[],
  limit: number,
  signal: AbortSignal,
  task: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const group = new AbortController();
  const stop = () => group.abort();
  signal.addEventListener('abort', stop, { once: true });
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (group.signal.aborted) throw abortError();
      const item = items[next] as T;
      next += 1;
      await task(item, group.signal);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, () =>
        worker().catch((error: unknown) => {
          group.abort();
          throw error;
        }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', cancel);
      resolve();
    }, ms);
    const cancel = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener('abort', cancel, { once: true });
  });
}
