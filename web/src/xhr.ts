// Uploads use XMLHttpRequest rather than fetch: only XHR reports upload progress.

import { abortError } from './api';

export interface XhrResult {
  status: number;
  body: string;
  header(name: string): string | null;
}

export interface XhrRequest {
  method: 'POST' | 'PUT';
  url: string;
  body: Blob;
  headers?: Record<string, string>;
  signal: AbortSignal;
  onProgress(loaded: number): void;
}

/**
 * Sends `body` and resolves with the answer, whatever its status; rejects only when no
 * answer came (a TypeError, like fetch) or `signal` aborted it (an AbortError).
 */
export function send(request: XhrRequest): Promise<XhrResult> {
  return new Promise((resolve, reject) => {
    if (request.signal.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    request.signal.addEventListener('abort', abort, { once: true });
    const settle = () => request.signal.removeEventListener('abort', abort);

    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => request.onProgress(event.loaded);
    xhr.onload = () => {
      settle();
      resolve({ status: xhr.status, body: xhr.responseText, header: (name) => xhr.getResponseHeader(name) });
    };
    xhr.onerror = () => {
      settle();
      reject(new TypeError('Network error'));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      settle();
      reject(abortError());
    };
    xhr.send(request.body);
  });
}
