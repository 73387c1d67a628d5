// A guest's uploads through an upload request's link: the same engine as one's own files,
// pointed at `/request/{token}/…`, with the request's password (if it has one) sent along.

import { queryString, request, type GuestRequest, type ReceivedFile } from './api';
import type { UploadTarget } from './uploads';

/** The header a protected request's password goes in. */
export const PASSWORD_HEADER = 'X-Edgedrop-Password';

/** The request behind `token`, as a guest sees it. */
export function openRequest(token: string, password: string | null): Promise<GuestRequest> {
  return request<GuestRequest>('GET', `/request/${encodeURIComponent(token)}`, {
    headers: password ? { [PASSWORD_HEADER]: password } : {},
    quietUnauthorized: true,
  });
}

/** Uploads through the request `token`; `onLocked` hears when its password is asked again. */
export function requestTarget(
  token: string,
  password: string | null,
  onLocked: () => void,
): UploadTarget<ReceivedFile> {
  const base = `/request/${encodeURIComponent(token)}`;
  const headers: Record<string, string> = password ? { [PASSWORD_HEADER]: password } : {};
  const upload = (uploadId: string) => `${base}/uploads/${encodeURIComponent(uploadId)}`;
  return {
    wholeUpload: (name) => ({ url: `${base}/files${queryString({ name })}`, headers }),
    createUpload: (body, signal) =>
      request('POST', `${base}/uploads`, { body, signal, headers, quietUnauthorized: true }),
    uploadStatus: (uploadId, signal) => request('GET', upload(uploadId), { signal, quietUnauthorized: true }),
    partUrls: (uploadId, from, count, signal) =>
      request('GET', `${upload(uploadId)}/parts${queryString({ from, count })}`, { signal, quietUnauthorized: true }),
    completeUpload: (uploadId, parts, signal) =>
      request('POST', `${upload(uploadId)}/complete`, { body: { parts }, signal, quietUnauthorized: true }),
    abortUpload: (uploadId) => request('DELETE', upload(uploadId), { quietUnauthorized: true }),
    unauthorized: onLocked,
  };
}
