// Direct uploads outlive the page: what is needed to resume one after a reload is written
// to localStorage, each part's ETag as soon as that part is in the bucket. The File itself
// cannot be stored, so resuming asks for it again and checks it is the same one.

import type { CompletedPart, UploadTicket } from './api';

export interface PendingUpload {
  uploadId: string;
  method: UploadTicket['method'];
  name: string;
  folder: string;
  size: number;
  lastModified: number;
  contentType: string;
  partSize: number;
  partCount: number;
  /** The parts known to be in the bucket, as the API's complete call lists them. */
  parts: CompletedPart[];
  /** When the server abandons the upload (RFC 3339). */
  expiresAt: string;
}

export class ResumeStore {
  private readonly key: string;

  /** One list per account, so another person on this browser never sees these uploads. */
  constructor(userId: string) {
    this.key = `edgedrop.uploads.${userId}`;
  }

  /** The uploads the server still keeps; those past their expiry are forgotten. */
  list(): PendingUpload[] {
    const all = this.read();
    const now = Date.now();
    const alive = all.filter((upload) => new Date(upload.expiresAt).getTime() > now);
    if (alive.length !== all.length) this.write(alive);
    return alive;
  }

  get(uploadId: string): PendingUpload | undefined {
    return this.read().find((upload) => upload.uploadId === uploadId);
  }

  save(upload: PendingUpload): void {
    this.write([...this.read().filter((u) => u.uploadId !== upload.uploadId), upload]);
  }

  savePart(uploadId: string, part: CompletedPart): void {
    // Read fresh every time: another tab may have changed the list meanwhile.
    this.write(
      this.read().map((u) =>
        u.uploadId === uploadId
          ? { ...u, parts: [...u.parts.filter((p) => p.part_number !== part.part_number), part] }
          : u,
      ),
    );
  }

  remove(uploadId: string): void {
    this.write(this.read().filter((u) => u.uploadId !== uploadId));
  }

  private read(): PendingUpload[] {
    try {
      const parsed: unknown = JSON.parse(localStorage.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isPendingUpload) : [];
    } catch {
      return [];
    }
  }

  private write(uploads: PendingUpload[]): void {
    try {
      if (uploads.length === 0) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify(uploads));
    } catch {
      // Storage full or disabled: uploads still work, they just cannot be resumed after a reload.
    }
  }
}

function isPendingUpload(value: unknown): value is PendingUpload {
  if (!value || typeof value !== 'object') return false;
  const u = value as Record<string, unknown>;
  return (
    typeof u.uploadId === 'string' &&
    (u.method === 'put' || u.method === 'multipart') &&
    typeof u.name === 'string' &&
    typeof u.folder === 'string' &&
    typeof u.size === 'number' &&
    typeof u.lastModified === 'number' &&
    typeof u.contentType === 'string' &&
    typeof u.partSize === 'number' &&
    typeof u.partCount === 'number' &&
    Array.isArray(u.parts) &&
    u.parts.every(isPart) &&
    typeof u.expiresAt === 'string'
  );
}

function isPart(value: unknown): value is CompletedPart {
  if (!value || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return typeof p.part_number === 'number' && typeof p.etag === 'string';
}
