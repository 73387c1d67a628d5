// The one way the app talks to its API: typed calls over fetch, with every failure turned
// into an ApiError that carries a sentence fit to show (the problem document's `detail`).

export interface Me {
  id: string;
  email: string;
  created_at: string;
  file_count: number;
  used_bytes: number;
  pending_bytes: number;
  quota_bytes: number | null;
}

export interface FileRecord {
  id: string;
  name: string;
  folder: string;
  size: number;
  content_type: string;
  created_at: string;
  updated_at: string;
}

export interface FilePage {
  items: FileRecord[];
  next_cursor: string | null;
}

export interface Folder {
  path: string;
  name: string;
}

export interface FolderList {
  items: Folder[];
  truncated: boolean;
}

export type SortKey = 'created_at' | 'name' | 'size';
export type SortOrder = 'asc' | 'desc';

export interface FileQuery {
  folder: string;
  q?: string;
  sort: SortKey;
  order: SortOrder;
  cursor?: string | null;
}

export interface Share {
  id: string;
  file_id: string;
  created_at: string;
  expires_at: string | null;
  max_downloads: number | null;
  download_count: number;
  password_protected: boolean;
}

export interface ShareCreated extends Share {
  token: string;
  url: string;
}

export interface NewShare {
  expires_in?: number;
  max_downloads?: number;
  password?: string;
}

/** A PATCH: an absent key keeps the value, null removes it. */
export interface ShareChanges {
  expires_in?: number | null;
  max_downloads?: number | null;
  password?: string | null;
}

export type AccessOutcome = 'ok' | 'expired' | 'limit_reached' | 'bad_password' | 'password_required';

export interface Access {
  at: string;
  ip_hash: string;
  user_agent: string;
  outcome: AccessOutcome;
}

export interface AccessPage {
  items: Access[];
  next_cursor: string | null;
}

export interface PartUrl {
  part_number: number;
  url: string;
}

export interface UploadTicket {
  upload_id: string;
  file_id: string;
  method: 'put' | 'multipart';
  size: number;
  part_size: number;
  part_count: number;
  url?: string;
  parts?: PartUrl[];
  expires_at: string;
  upload_expires_at: string;
}

export interface StoredPart {
  part_number: number;
  size: number;
  etag: string | null;
}

export interface UploadStatus {
  upload_id: string;
  file_id: string;
  method: 'put' | 'multipart';
  name: string;
  folder: string;
  size: number;
  part_size: number;
  part_count: number;
  parts: StoredPart[];
  uploaded_bytes: number;
  upload_expires_at: string;
}

export interface CompletedPart {
  part_number: number;
  etag: string;
}

/** A failed call. `message` is always a sentence a person can act on. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The problem document's stable `code`, e.g. `invalid_credentials`. */
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const CSRF_HEADER = 'X-Edgedrop-Csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

let unauthorizedHandler: (() => void) | null = null;

/** Who to tell when the session is gone (any 401), so the app can return to the login page. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

/** Tells the app a call found the session gone; also used by the XHR uploads. */
export function reportUnauthorized(): void {
  unauthorizedHandler?.();
}

/** Turns a non-2xx answer into an ApiError, preferring the problem document's own words. */
export function errorFromResponse(status: number, contentType: string | null, body: string): ApiError {
  if (contentType && /json/i.test(contentType)) {
    try {
      const problem: unknown = JSON.parse(body);
      if (problem && typeof problem === 'object') {
        const { detail, title, code, field } = problem as Record<string, unknown>;
        const message = text(detail) ?? text(title);
        if (message) return new ApiError(message, status, text(code) ?? 'error', text(field));
      }
    } catch {
      // Not JSON after all: fall through to the generic sentence.
    }
  }
  return new ApiError(genericMessage(status), status, 'error');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function genericMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Please log in again.';
  if (status === 404) return 'That was not found. It may have been deleted.';
  if (status === 413) return 'That is too large.';
  if (status === 429) return 'Too many attempts. Please wait a moment and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Please try again.`;
  return `The request failed (HTTP ${status}).`;
}

export const offlineError = (): ApiError =>
  new ApiError('Could not reach the server. Check your connection and try again.', 0, 'network_error');

export function abortError(): DOMException {
  return new DOMException('The operation was cancelled.', 'AbortError');
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** For the calls that expect a 401 as an answer (log in, "who am I") rather than as a lost session. */
  quietUnauthorized?: boolean;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (!SAFE_METHODS.has(method)) headers[CSRF_HEADER] = '1';
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw offlineError();
  }
  if (!response.ok) {
    const error = errorFromResponse(response.status, response.headers.get('Content-Type'), await response.text());
    if (response.status === 401 && !options.quietUnauthorized) reportUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** `?a=1&b=2` from the defined values only. */
export function queryString(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const encoded = search.toString();
  return encoded ? `?${encoded}` : '';
}

const id = encodeURIComponent;

export const api = {
  me: () => request<Me>('GET', '/auth/me', { quietUnauthorized: true }),
  logIn: (email: string, password: string) =>
    request<{ expires_in: number }>('POST', '/auth/session', { body: { email, password }, quietUnauthorized: true }),
  logOut: () => request<void>('DELETE', '/auth/session', { quietUnauthorized: true }),
  register: (email: string, password: string) =>
    request<{ id: string; email: string }>('POST', '/auth/register', { body: { email, password } }),

  folders: (parent: string, signal?: AbortSignal) =>
    request<FolderList>('GET', `/folders${queryString({ parent })}`, { signal }),
  files: (query: FileQuery, signal?: AbortSignal) => {
    // A search looks through every folder, so its results say where each file is.
    const where = query.q ? { folder: '/', recursive: true, q: query.q } : { folder: query.folder };
    const params = { ...where, sort: query.sort, order: query.order, limit: 50, cursor: query.cursor };
    return request<FilePage>('GET', `/files${queryString(params)}`, { signal });
  },
  updateFile: (fileId: string, changes: { name?: string; folder?: string }) =>
    request<FileRecord>('PATCH', `/files/${id(fileId)}`, { body: changes }),
  deleteFile: (fileId: string) => request<void>('DELETE', `/files/${id(fileId)}`),
  /** Where a plain link downloads the file: the API redirects to a short-lived bucket URL. */
  downloadUrl: (fileId: string) => `/files/${id(fileId)}/download?redirect=true`,

  shares: (fileId: string) => request<{ items: Share[] }>('GET', `/files/${id(fileId)}/shares`),
  createShare: (fileId: string, share: NewShare) =>
    request<ShareCreated>('POST', `/files/${id(fileId)}/share`, { body: share }),
  updateShare: (fileId: string, shareId: string, changes: ShareChanges) =>
    request<Share>('PATCH', `/files/${id(fileId)}/shares/${id(shareId)}`, { body: changes }),
  revokeShare: (fileId: string, shareId: string) =>
    request<void>('DELETE', `/files/${id(fileId)}/shares/${id(shareId)}`),
  accesses: (fileId: string, shareId: string, cursor: string | null) =>
    request<AccessPage>(
      'GET',
      `/files/${id(fileId)}/shares/${id(shareId)}/accesses${queryString({ limit: 50, cursor })}`,
    ),

  createUpload: (
    upload: { name: string; folder: string; size: number; content_type: string },
    signal?: AbortSignal,
  ) => request<UploadTicket>('POST', '/files/uploads', { body: upload, signal }),
  uploadStatus: (uploadId: string, signal?: AbortSignal) =>
    request<UploadStatus>('GET', `/files/uploads/${id(uploadId)}`, { signal }),
  partUrls: (uploadId: string, from: number, count: number, signal?: AbortSignal) =>
    request<{ parts: PartUrl[]; expires_at: string }>(
      'GET',
      `/files/uploads/${id(uploadId)}/parts${queryString({ from, count })}`,
      { signal },
    ),
  completeUpload: (uploadId: string, parts: CompletedPart[], signal?: AbortSignal) =>
    request<FileRecord>('POST', `/files/uploads/${id(uploadId)}/complete`, { body: { parts }, signal }),
  abortUpload: (uploadId: string) => request<void>('DELETE', `/files/uploads/${id(uploadId)}`),
};
