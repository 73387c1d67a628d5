// The one way the app talks to its API: typed calls over fetch, with every failure turned
// into an ApiError that carries a sentence fit to show (the problem document's `detail`).
//
// Every request and answer type comes from web/src/api-schema.ts, which `make api-types`
// generates from openapi.json (the contract the Worker serves and is tested against): the
// app cannot drift from it, and a contract change that breaks the app fails `tsc`.
import type { components, operations } from './api-schema';

type Schemas = components['schemas'];
type OperationId = keyof operations;

/** The JSON an operation answers with the given status. */
type Answer<Op extends OperationId, Status extends keyof operations[Op]['responses']> =
  operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON an operation takes as its request body. */
type RequestBody<Op extends OperationId> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer Body } } ? Body : never;

/** An operation's query parameters. */
type Query<Op extends OperationId> = NonNullable<operations[Op]['parameters']['query']>;

export type Me = Schemas['Me'];
export type AccessToken = Schemas['AccessToken'];
export type Scope = AccessToken['scopes'][number];
export type NewAccessToken = Schemas['TokenRequest'];
export type FileRecord = Schemas['File'];
export type FilePage = Schemas['FilePage'];
export type FileChanges = Schemas['FileUpdate'];
export type FolderList = Schemas['FolderList'];
/** A sub-folder as listed. (The document's `Folder` schema is a folder's path, a string.) */
export type Folder = FolderList['items'][number];

type FileListQuery = Query<'listFiles'>;
export type SortKey = NonNullable<FileListQuery['sort']>;
export type SortOrder = NonNullable<FileListQuery['order']>;

/** What the file browser asks for: a folder or a search, in an order, from a page on. */
export interface FileQuery {
  folder: NonNullable<FileListQuery['folder']>;
  q?: FileListQuery['q'];
  sort: SortKey;
  order: SortOrder;
  cursor?: FileListQuery['cursor'] | null;
}

export type Share = Schemas['Share'];
export type ShareCreated = Schemas['ShareCreated'];
export type NewShare = Schemas['ShareRequest'];
/** A PATCH: an absent key keeps the value, null removes it. */
export type ShareChanges = Schemas['ShareUpdate'];

export type Access = Schemas['Access'];
export type AccessOutcome = Access['outcome'];
export type AccessPage = Schemas['AccessPage'];

export type NewUpload = Schemas['UploadRequest'];
export type PartUrl = Schemas['PartUrl'];
export type PartUrlList = Schemas['PartUrls'];
export type UploadTicket = Schemas['UploadTicket'];
export type StoredPart = Schemas['StoredPart'];
export type UploadStatus = Schemas['UploadStatus'];
export type CompletedPart = NonNullable<Schemas['CompleteRequest']['parts']>[number];

export type FileRequest = Schemas['FileRequest'];
export type FileRequestCreated = Schemas['FileRequestCreated'];
export type NewFileRequest = Schemas['NewFileRequest'];
/** A PATCH: an absent key keeps the value, null removes it. */
export type FileRequestChanges = Schemas['FileRequestUpdate'];
export type GuestRequest = Schemas['FileRequestGuestView'];
export type ReceivedFile = Schemas['ReceivedFile'];

export type AdminUser = Schemas['AdminUser'];
export type AdminUserPage = Schemas['AdminUserPage'];
export type UserChanges = Schemas['UserUpdate'];
export type Invite = Schemas['Invite'];
export type InviteCreated = Schemas['InviteCreated'];
export type NewInvite = Schemas['InviteRequest'];

type Problem = Schemas['Problem'];

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

/** Sent on every call that changes anything; the document names it on `POST /auth/session`. */
export const CSRF_HEADER = 'X-Edgedrop-Csrf' satisfies keyof operations['startSession']['parameters']['header'];

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
        // The problem document's fields, unchecked: whatever the server sent is read warily.
        const { detail, title, code, field } = problem as { [K in keyof Problem]?: unknown };
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
  /** More headers (a guest's upload request password). */
  headers?: Record<string, string>;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
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

/** Where a link's own routes are: under its file, or under `/shares` (any link). */
const linkPath = (fileId: string | null, shareId: string) =>
  fileId === null ? `/shares/${id(shareId)}` : `/files/${id(fileId)}/shares/${id(shareId)}`;

export const api = {
  me: () => request<Answer<'me', 200>>('GET', '/auth/me', { quietUnauthorized: true }),
  logIn: (email: string, password: string) =>
    request<Answer<'startSession', 200>>('POST', '/auth/session', {
      body: { email, password } satisfies RequestBody<'startSession'>,
      quietUnauthorized: true,
    }),
  logOut: () => request<void>('DELETE', '/auth/session', { quietUnauthorized: true }),
  register: (email: string, password: string, invite?: string) =>
    request<Answer<'register', 201>>('POST', '/auth/register', {
      body: (invite ? { email, password, invite } : { email, password }) satisfies RequestBody<'register'>,
    }),
  /** Changes the password; every other session ends, and this one goes on with a new cookie. */
  changePassword: (current: string, next: string) =>
    request<Answer<'changePassword', 200>>('POST', '/auth/password', {
      body: { current_password: current, new_password: next } satisfies RequestBody<'changePassword'>,
      quietUnauthorized: true,
    }),
  logOutEverywhere: () => request<void>('DELETE', '/auth/sessions', { quietUnauthorized: true }),
  deleteAccount: (password: string) =>
    request<void>('DELETE', '/auth/me', {
      body: { password } satisfies RequestBody<'deleteMe'>,
      quietUnauthorized: true,
    }),

  adminUsers: (q: string, cursor: string | null) => {
    const params: Query<'listUsers'> = { limit: 50 };
    if (q) params.q = q;
    if (cursor) params.cursor = cursor;
    return request<Answer<'listUsers', 200>>('GET', `/admin/users${queryString(params)}`);
  },
  updateUser: (userId: string, changes: UserChanges) =>
    request<Answer<'updateUser', 200>>('PATCH', `/admin/users/${id(userId)}`, {
      body: changes satisfies RequestBody<'updateUser'>,
    }),
  deleteUser: (userId: string) => request<void>('DELETE', `/admin/users/${id(userId)}`),
  invites: () => request<Answer<'listInvites', 200>>('GET', '/admin/invites'),
  createInvite: (invite: NewInvite) =>
    request<Answer<'createInvite', 201>>('POST', '/admin/invites', {
      body: invite satisfies RequestBody<'createInvite'>,
    }),
  revokeInvite: (inviteId: string) => request<void>('DELETE', `/admin/invites/${id(inviteId)}`),

  tokens: () => request<Answer<'listTokens', 200>>('GET', '/auth/tokens'),
  createToken: (token: NewAccessToken) =>
    request<Answer<'createToken', 201>>('POST', '/auth/tokens', { body: token satisfies RequestBody<'createToken'> }),
  revokeToken: (tokenId: string) => request<void>('DELETE', `/auth/tokens/${id(tokenId)}`),

  folders: (parent: string, signal?: AbortSignal) =>
    request<Answer<'listFolders', 200>>('GET', `/folders${queryString({ parent } satisfies Query<'listFolders'>)}`, {
      signal,
    }),
  files: (query: FileQuery, signal?: AbortSignal) => {
    // A search looks through every folder, so its results say where each file is.
    const where = query.q ? { folder: '/', recursive: true, q: query.q } : { folder: query.folder };
    const params: FileListQuery = { ...where, sort: query.sort, order: query.order, limit: 50 };
    if (query.cursor) params.cursor = query.cursor;
    return request<Answer<'listFiles', 200>>('GET', `/files${queryString(params)}`, { signal });
  },
  updateFile: (fileId: string, changes: FileChanges) =>
    request<Answer<'updateFile', 200>>('PATCH', `/files/${id(fileId)}`, {
      body: changes satisfies RequestBody<'updateFile'>,
    }),
  deleteFile: (fileId: string) => request<void>('DELETE', `/files/${id(fileId)}`),
  /** Where a plain link downloads the file: the API redirects to a short-lived bucket URL. */
  downloadUrl: (fileId: string) =>
    `/files/${id(fileId)}/download${queryString({ redirect: true } satisfies Query<'downloadFile'>)}`,
  /** A short-lived URL that shows the file in the browser (`inline`), for the preview dialog. */
  previewLink: (fileId: string) =>
    request<Answer<'downloadFile', 200>>(
      'GET',
      `/files/${id(fileId)}/download${queryString({ disposition: 'inline' } satisfies Query<'downloadFile'>)}`,
    ),
  /** Where a plain link previews the file: the same, shown by the browser (`inline`). */
  previewUrl: (fileId: string) =>
    `/files/${id(fileId)}/download${queryString({ redirect: true, disposition: 'inline' } satisfies Query<'downloadFile'>)}`,

  shares: (fileId: string) => request<Answer<'listShares', 200>>('GET', `/files/${id(fileId)}/shares`),
  /** A link to a folder (live: what is in it or below it when it is opened). */
  shareFolder: (folder: string, share: NewShare) =>
    request<Answer<'createCollectionShare', 201>>('POST', '/shares', {
      body: { ...share, folder } satisfies RequestBody<'createCollectionShare'>,
    }),
  /** A link to these files (1 to 1000 of the user's). */
  shareFiles: (fileIds: string[], share: NewShare) =>
    request<Answer<'createCollectionShare', 201>>('POST', '/shares', {
      body: { ...share, file_ids: fileIds } satisfies RequestBody<'createCollectionShare'>,
    }),
  createShare: (fileId: string, share: NewShare) =>
    request<Answer<'createShare', 201>>('POST', `/files/${id(fileId)}/share`, {
      body: share satisfies RequestBody<'createShare'>,
    }),
  /** The caller's links of every kind, newest first, a page at a time. */
  links: (cursor: string | null) => {
    const params: Query<'listLinks'> = { limit: 50 };
    if (cursor) params.cursor = cursor;
    return request<Answer<'listLinks', 200>>('GET', `/shares${queryString(params)}`);
  },
  // A link's own routes: under its file (`fileId`, from the file's share dialog) or, for a
  // link of any kind, under `/shares` (`fileId` null). Both answer the same.
  updateShare: (fileId: string | null, shareId: string, changes: ShareChanges) =>
    request<Answer<'updateShare', 200> & Answer<'updateLink', 200>>('PATCH', linkPath(fileId, shareId), {
      body: changes satisfies RequestBody<'updateShare'> & RequestBody<'updateLink'>,
    }),
  revokeShare: (fileId: string | null, shareId: string) => request<void>('DELETE', linkPath(fileId, shareId)),
  accesses: (fileId: string | null, shareId: string, cursor: string | null) => {
    const params: Query<'shareAccesses'> & Query<'linkAccesses'> = { limit: 50 };
    if (cursor) params.cursor = cursor;
    return request<Answer<'shareAccesses', 200> & Answer<'linkAccesses', 200>>(
      'GET',
      `${linkPath(fileId, shareId)}/accesses${queryString(params)}`,
    );
  },

  createUpload: (upload: NewUpload, signal?: AbortSignal) =>
    request<Answer<'createUpload', 201>>('POST', '/files/uploads', {
      body: upload satisfies RequestBody<'createUpload'>,
      signal,
    }),
  uploadStatus: (uploadId: string, signal?: AbortSignal) =>
    request<Answer<'uploadStatus', 200>>('GET', `/files/uploads/${id(uploadId)}`, { signal }),
  partUrls: (uploadId: string, from: number, count: number, signal?: AbortSignal) =>
    request<Answer<'uploadPartUrls', 200>>(
      'GET',
      `/files/uploads/${id(uploadId)}/parts${queryString({ from, count } satisfies Query<'uploadPartUrls'>)}`,
      { signal },
    ),
  completeUpload: (uploadId: string, parts: CompletedPart[], signal?: AbortSignal) =>
    request<Answer<'completeUpload', 201>>('POST', `/files/uploads/${id(uploadId)}/complete`, {
      body: { parts } satisfies RequestBody<'completeUpload'>,
      signal,
    }),
  abortUpload: (uploadId: string) => request<void>('DELETE', `/files/uploads/${id(uploadId)}`),

  requests: () => request<Answer<'listRequests', 200>>('GET', '/requests'),
  createRequest: (fileRequest: NewFileRequest) =>
    request<Answer<'createRequest', 201>>('POST', '/requests', {
      body: fileRequest satisfies RequestBody<'createRequest'>,
    }),
  updateRequest: (requestId: string, changes: FileRequestChanges) =>
    request<Answer<'updateRequest', 200>>('PATCH', `/requests/${id(requestId)}`, {
      body: changes satisfies RequestBody<'updateRequest'>,
    }),
  revokeRequest: (requestId: string) => request<void>('DELETE', `/requests/${id(requestId)}`),
};
