// The upload engine, without any UI: a queue of files, each sent either through the API
// (small files, one request) or straight to the bucket with presigned part URLs (large
// files, up to three parts at a time, resumable after a reload through the ResumeStore).
// Components read it through subscribe() and getSnapshot().

import {
  abortError,
  api,
  ApiError,
  CSRF_HEADER,
  errorFromResponse,
  isAbort,
  offlineError,
  queryString,
  reportUnauthorized,
  type CompletedPart,
  type FileRecord,
  type NewUpload,
  type PartUrlList,
  type UploadStatus,
  type UploadTicket,
} from './api';
import { formatBytes, formatDate } from './format';
import { PartUrls } from './partUrls';
import type { PendingUpload, ResumeStore } from './resumeStore';
import { SpeedMeter } from './speedMeter';
import { eachLimited, sleep } from './tasks';
import { send, type XhrRequest, type XhrResult } from './xhr';

/** Larger files go straight to the bucket: the API's own upload is bounded by the Worker's body limit. */
const DIRECT_UPLOAD_THRESHOLD = 8 * 1024 * 1024;
const FILES_AT_ONCE = 2;
const PARTS_AT_ONCE = 3;
const ATTEMPTS_PER_PART = 3;
/** At most one progress render per frame, however many parts report at once. */
const PROGRESS_EVERY_MS = 16;
/** Answers to completing after which the server has discarded the upload: nothing is left to resume. */
const DISCARDED_ON_COMPLETE = ['upload_not_found', 'size_mismatch', 'quota_exceeded'];

/**
 * Where a queue's uploads go: the signed-in person's own files, or an upload request's link
 * (a guest's page). `F` is what a stored file is answered with.
 */
export interface UploadTarget<F> {
  /** The URL a small file is POSTed to whole, and the headers that go with it. */
  wholeUpload(name: string, folder: string): { url: string; headers: Record<string, string> };
  createUpload(upload: NewUpload, signal?: AbortSignal): Promise<UploadTicket>;
  uploadStatus(uploadId: string, signal?: AbortSignal): Promise<UploadStatus>;
  partUrls(uploadId: string, from: number, count: number, signal?: AbortSignal): Promise<PartUrlList>;
  completeUpload(uploadId: string, parts: CompletedPart[], signal?: AbortSignal): Promise<F>;
  abortUpload(uploadId: string): Promise<void>;
  /** A 401 on a whole upload: the session ended (own files), or the password is needed (a guest). */
  unauthorized(): void;
}

/** The signed-in person's own files, through `/files/upload` and `/files/uploads`. */
export const ownFiles: UploadTarget<FileRecord> = {
  wholeUpload: (name, folder) => ({ url: `/files/upload${queryString({ name, folder })}`, headers: { [CSRF_HEADER]: '1' } }),
  createUpload: api.createUpload,
  uploadStatus: api.uploadStatus,
  partUrls: api.partUrls,
  completeUpload: api.completeUpload,
  abortUpload: api.abortUpload,
  unauthorized: reportUnauthorized,
};

export type UploadState = 'queued' | 'uploading' | 'finishing' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  readonly key: string;
  readonly name: string;
  readonly folder: string;
  readonly size: number;
  readonly loaded: number;
  /** Null until there is enough to measure. */
  readonly bytesPerSecond: number | null;
  readonly state: UploadState;
  readonly error: string | null;
}

export interface UploadsSnapshot {
  readonly items: readonly UploadItem[];
  /** Direct uploads left unfinished by an earlier page, waiting for their file to be chosen again. */
  readonly interrupted: readonly PendingUpload[];
}

export const isActive = (item: UploadItem) =>
  item.state === 'queued' || item.state === 'uploading' || item.state === 'finishing';
export const canCancel = (item: UploadItem) =>
  item.state === 'queued' || item.state === 'uploading' || item.state === 'failed';

interface Job {
  item: UploadItem;
  readonly file: File;
  controller: AbortController | null;
  /** The server's direct upload, once there is one: what Cancel aborts and Retry resumes. */
  pending: PendingUpload | null;
  readonly speed: SpeedMeter;
}

let nextKey = 1;

/** What a view of a queue uses, whoever its files are answered to (any `UploadQueue<F>` is one). */
export type UploadControls = Pick<
  UploadQueue<unknown>,
  'subscribe' | 'getSnapshot' | 'cancel' | 'retry' | 'clearFinished' | 'resume' | 'discard'
>;

export class UploadQueue<F = FileRecord> {
  private jobs: Job[] = [];
  private snapshot: UploadsSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly uploadedListeners = new Set<(file: F) => void>();
  private readonly usageListeners = new Set<() => void>();
  private progressTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: ResumeStore,
    private readonly target: UploadTarget<F>,
  ) {
    this.snapshot = { items: [], interrupted: store.list() };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getSnapshot(): UploadsSnapshot {
    return this.snapshot;
  }

  /** Called with each file once it is stored. */
  onUploaded(listener: (file: F) => void): () => void {
    this.uploadedListeners.add(listener);
    return () => this.uploadedListeners.delete(listener);
  }

  /** Called whenever the account's used or reserved bytes may have changed. */
  onUsageChanged(listener: () => void): () => void {
    this.usageListeners.add(listener);
    return () => this.usageListeners.delete(listener);
  }

  add(files: Iterable<File>, folder: string): void {
    for (const file of files) this.jobs.push(newJob(file, folder, null));
    this.changed();
    this.pump();
  }

  /**
   * Continues an interrupted upload with its file chosen again. Throws, with a sentence to
   * show, when the file is not the one that was being uploaded.
   */
  resume(uploadId: string, file: File): void {
    const pending = this.store.get(uploadId);
    if (!pending) throw new Error('This upload is no longer listed.');
    if (this.jobs.some((j) => j.pending?.uploadId === uploadId)) return;
    if (file.name !== pending.name || file.size !== pending.size || file.lastModified !== pending.lastModified) {
      throw new Error(
        `“${file.name}” is not the file that was being uploaded. Choose “${pending.name}” ` +
          `(${formatBytes(pending.size)}, last changed ${formatDate(new Date(pending.lastModified).toISOString())}).`,
      );
    }
    this.jobs.push(newJob(file, pending.folder, pending));
    this.changed();
    this.pump();
  }

  /** Gives up an interrupted upload: the server deletes what it holds of it. */
  async discard(uploadId: string): Promise<void> {
    try {
      await this.target.abortUpload(uploadId);
    } catch (error) {
      // Already gone on the server: there is nothing left to discard.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    this.store.remove(uploadId);
    this.changed();
    this.usageChanged();
  }

  cancel(key: string): void {
    const job = this.jobs.find((j) => j.item.key === key);
    if (!job || !canCancel(job.item)) return;
    job.controller?.abort();
    this.update(job, { state: 'cancelled', bytesPerSecond: null, error: null });
    if (job.pending) {
      this.store.remove(job.pending.uploadId);
      // Best effort: the server's sweeper aborts whatever this does not.
      this.target
        .abortUpload(job.pending.uploadId)
        .catch(() => undefined)
        .finally(() => this.usageChanged());
      job.pending = null;
    }
    this.pump();
  }

  retry(key: string): void {
    const job = this.jobs.find((j) => j.item.key === key);
    if (!job || job.item.state !== 'failed') return;
    this.update(job, { state: 'queued', error: null });
    this.pump();
  }

  /**
   * Forgets the uploads that are over (done, failed or cancelled). A failed direct upload
   * moves to the interrupted ones, which can still be resumed.
   */
  clearFinished(): void {
    this.jobs = this.jobs.filter((job) => isActive(job.item));
    this.changed();
  }

  /** Stops every transfer (logging out, leaving): direct uploads stay resumable. */
  stopAll(): void {
    for (const job of this.jobs) job.controller?.abort();
    this.jobs = [];
    this.changed();
  }

  private pump(): void {
    let running = this.jobs.filter((j) => j.item.state === 'uploading' || j.item.state === 'finishing').length;
    for (const job of this.jobs) {
      if (running >= FILES_AT_ONCE) break;
      if (job.item.state === 'queued') {
        running += 1;
        void this.run(job);
      }
    }
  }

  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    job.controller = controller;
    job.speed.reset();
    this.update(job, { state: 'uploading', bytesPerSecond: null });
    try {
      let file: F;
      if (job.pending) file = await this.continueDirect(job, job.pending, controller.signal);
      else if (job.file.size > DIRECT_UPLOAD_THRESHOLD) file = await this.startDirect(job, controller.signal);
      else file = await this.sendWhole(job, controller.signal);
      this.update(job, { state: 'done', loaded: job.item.size, bytesPerSecond: null });
      for (const listener of this.uploadedListeners) listener(file);
      this.usageChanged();
    } catch (error) {
      // A cancelled job already says so; its abort is not a failure.
      if (job.item.state !== 'cancelled') {
        const message = error instanceof Error ? error.message : 'The upload failed.';
        // What is left is what a retry will not send again.
        const kept = job.pending ? storedBytes(job.pending) : 0;
        this.update(job, { state: 'failed', error: message, loaded: kept, bytesPerSecond: null });
      }
    } finally {
      job.controller = null;
      this.pump();
    }
  }

  /** A small file: one POST through the API. */
  private async sendWhole(job: Job, signal: AbortSignal): Promise<F> {
    const { name, folder } = job.item;
    const { url, headers } = this.target.wholeUpload(name, folder);
    const result = await transfer({
      method: 'POST',
      url,
      body: job.file,
      headers: { ...headers, Accept: 'application/json', 'Content-Type': contentTypeOf(job.file) },
      signal,
      onProgress: (loaded) => this.progress(job, loaded),
    });
    if (result.status === 201 || result.status === 200) return JSON.parse(result.body) as F;
    if (result.status === 401) this.target.unauthorized();
    throw errorFromResponse(result.status, result.header('Content-Type'), result.body);
  }

  private async startDirect(job: Job, signal: AbortSignal): Promise<F> {
    const { name, folder, size } = job.item;
    const contentType = contentTypeOf(job.file);
    // Not aborted midway: an upload the server made must be known, to be cancelled below.
    const ticket = await this.target.createUpload({ name, folder, size, content_type: contentType });
    if (signal.aborted) {
      this.target.abortUpload(ticket.upload_id).catch(() => undefined);
      throw abortError();
    }
    const pending: PendingUpload = {
      uploadId: ticket.upload_id,
      method: ticket.method,
      name,
      folder,
      size,
      lastModified: job.file.lastModified,
      contentType,
      // A single PUT is one part of the whole size, whatever the ticket calls its part size.
      partSize: ticket.method === 'put' ? size : ticket.part_size,
      partCount: ticket.part_count,
      parts: [],
      expiresAt: ticket.upload_expires_at,
    };
    job.pending = pending;
    this.store.save(pending);
    this.usageChanged();
    const first = ticket.method === 'put' && ticket.url ? [{ part_number: 1, url: ticket.url }] : (ticket.parts ?? []);
    const urls = new PartUrls(this.partUrlsOf(ticket.upload_id), first, ticket.expires_at);
    return this.sendParts(job, pending, urls, new Map(), signal);
  }

  /** Resumes: skips every part the bucket already holds. */
  private async continueDirect(job: Job, pending: PendingUpload, signal: AbortSignal): Promise<F> {
    let status;
    try {
      status = await this.target.uploadStatus(pending.uploadId, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.store.remove(pending.uploadId);
        job.pending = null;
        throw new Error(
          'This upload is no longer on the server (it expired or was cancelled), so it cannot be resumed. Retry to upload the file again.',
        );
      }
      throw error;
    }
    const stored = new Map<number, string | null>();
    for (const part of status.parts) {
      const etag = pending.parts.find((p) => p.part_number === part.part_number)?.etag ?? part.etag;
      // A part whose ETag neither we nor the bucket know (it landed just as the page went
      // away, on a store whose part listing omits ETags) is sent again: that replaces it and
      // yields the ETag that completing needs.
      if (part.part_number <= pending.partCount && etag) stored.set(part.part_number, etag);
    }
    return this.sendParts(job, pending, new PartUrls(this.partUrlsOf(pending.uploadId), [], null), stored, signal);
  }

  /** How the part URLs of `uploadId` are fetched. */
  private partUrlsOf(uploadId: string) {
    return (from: number, count: number, signal: AbortSignal) => this.target.partUrls(uploadId, from, count, signal);
  }

  /** Sends the parts not in `stored` (part number → ETag), then completes the upload. */
  private async sendParts(
    job: Job,
    pending: PendingUpload,
    urls: PartUrls,
    stored: Map<number, string | null>,
    signal: AbortSignal,
  ): Promise<F> {
    const { partSize, partCount, size, uploadId } = pending;
    const bounds = (n: number): [number, number] => [(n - 1) * partSize, Math.min(n * partSize, size)];
    const partBytes = (n: number) => bounds(n)[1] - bounds(n)[0];
    let doneBytes = [...stored.keys()].reduce((sum, n) => sum + partBytes(n), 0);
    const inFlight = new Map<number, number>();
    const report = () => this.progress(job, doneBytes + [...inFlight.values()].reduce((a, b) => a + b, 0));
    report();

    const missing = range(1, partCount).filter((n) => !stored.has(n));
    await eachLimited(missing, PARTS_AT_ONCE, signal, async (n, partSignal) => {
      const etag = await sendPart(job.file.slice(...bounds(n)), n, urls, partSignal, (loaded) => {
        inFlight.set(n, loaded);
        report();
      });
      inFlight.delete(n);
      doneBytes += partBytes(n);
      stored.set(n, etag);
      if (etag) {
        const part = { part_number: n, etag };
        pending.parts = [...pending.parts.filter((p) => p.part_number !== n), part];
        this.store.savePart(uploadId, part);
      }
      report();
    });

    this.update(job, { state: 'finishing', bytesPerSecond: null });
    const etags: CompletedPart[] = range(1, partCount).map((n) => ({ part_number: n, etag: stored.get(n) ?? '' }));
    // Without every ETag (a bucket that hides the header), the server uses the bucket's own list.
    const parts = pending.method === 'multipart' && etags.every((p) => p.etag) ? etags : [];
    try {
      const file = await this.target.completeUpload(uploadId, parts);
      this.store.remove(uploadId);
      job.pending = null;
      return file;
    } catch (error) {
      if (error instanceof ApiError && DISCARDED_ON_COMPLETE.includes(error.code)) {
        this.store.remove(uploadId);
        job.pending = null;
      }
      throw error;
    }
  }

  private usageChanged(): void {
    for (const listener of this.usageListeners) listener();
  }

  private progress(job: Job, sent: number): void {
    // A full bar means the file is stored: the last byte counts only once the server says
    // so, as bytes handed to the network may still be on their way (or be refused).
    const loaded = Math.min(sent, Math.max(0, job.item.size - 1));
    job.item = { ...job.item, loaded, bytesPerSecond: job.speed.sample(sent) };
    this.progressTimer ??= setTimeout(() => {
      this.progressTimer = null;
      this.emit(false);
    }, PROGRESS_EVERY_MS);
  }

  private update(job: Job, changes: Partial<UploadItem>): void {
    job.item = { ...job.item, ...changes };
    this.changed();
  }

  private changed(): void {
    this.emit(true);
  }

  private emit(structural: boolean): void {
    const owned = new Set(this.jobs.map((j) => j.pending?.uploadId));
    const interrupted = structural
      ? this.store.list().filter((u) => !owned.has(u.uploadId))
      : this.snapshot.interrupted;
    this.snapshot = { items: this.jobs.map((j) => j.item), interrupted };
    for (const listener of this.listeners) listener();
  }
}

function newJob(file: File, folder: string, pending: PendingUpload | null): Job {
  return {
    item: {
      key: `upload-${nextKey++}`,
      name: file.name,
      folder,
      size: file.size,
      loaded: 0,
      bytesPerSecond: null,
      state: 'queued',
      error: null,
    },
    file,
    controller: null,
    pending,
    speed: new SpeedMeter(),
  };
}

/** The bytes of the parts known to be in the bucket. */
function storedBytes(pending: PendingUpload): number {
  return pending.parts.reduce((sum, { part_number: n }) => {
    const start = (n - 1) * pending.partSize;
    return sum + Math.max(0, Math.min(pending.partSize, pending.size - start));
  }, 0);
}

/** The type to store a file as: the browser's guess, when the API would accept it. */
function contentTypeOf(file: File): string {
  const type = file.type;
  // A multipart type would make the API read the raw body as a form.
  const valid = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(type) && type.length <= 255;
  return valid && !type.toLowerCase().startsWith('multipart/') ? type : 'application/octet-stream';
}

/** `send`, with "no answer" turned into the app's offline error. */
async function transfer(request: XhrRequest): Promise<XhrResult> {
  try {
    return await send(request);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw offlineError();
  }
}

/**
 * PUTs one part to its presigned URL, retrying with a fresh URL when the bucket refuses or
 * the connection drops. Resolves with the part's ETag, or null when the bucket hides it.
 */
async function sendPart(
  bytes: Blob,
  partNumber: number,
  urls: PartUrls,
  signal: AbortSignal,
  onProgress: (loaded: number) => void,
): Promise<string | null> {
  for (let attempt = 1; ; attempt += 1) {
    const url = await urls.get(partNumber, signal, attempt > 1);
    let failure: ApiError;
    try {
      // No extra headers: the URL is signed, and the bucket's CORS rule allows no others.
      const result = await send({ method: 'PUT', url, body: bytes, signal, onProgress });
      if (result.status >= 200 && result.status < 300) return result.header('ETag');
      failure = new ApiError(
        `The storage service refused part ${partNumber} of the file (HTTP ${result.status}).`,
        result.status,
        'storage_error',
      );
    } catch (error) {
      if (isAbort(error)) throw error;
      failure = new ApiError(
        'The connection to the storage service failed. Check your connection, then retry: the parts already sent are kept.',
        0,
        'network_error',
      );
    }
    if (attempt >= ATTEMPTS_PER_PART) throw failure;
    onProgress(0);
    await sleep(1000 * 2 ** (attempt - 1), signal);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
