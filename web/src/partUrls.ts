import { ApiError, type PartUrl, type PartUrlList } from './api';

/** Fetches `count` part URLs of one upload from part `from` on. */
export type FetchPartUrls = (from: number, count: number, signal: AbortSignal) => Promise<PartUrlList>;

const URL_BATCH = 100;
/** Part URLs this close to expiring are fetched afresh rather than used. */
const URL_EXPIRY_MARGIN_MS = 60_000;

/** The presigned part URLs of one upload, fetched a hundred at a time when needed. */
export class PartUrls {
  private readonly urls = new Map<number, { url: string; expiresAt: number }>();
  private readonly loading = new Map<number, Promise<void>>();

  constructor(
    private readonly fetch: FetchPartUrls,
    initial: PartUrl[],
    expiresAt: string | null,
  ) {
    this.remember(initial, expiresAt);
  }

  async get(partNumber: number, signal: AbortSignal, fresh: boolean): Promise<string> {
    const known = this.urls.get(partNumber);
    if (!fresh && known && known.expiresAt - URL_EXPIRY_MARGIN_MS > Date.now()) return known.url;
    this.urls.delete(partNumber);
    // Fresh URLs are fetched from this part on; otherwise whole batches, shared by the parallel senders.
    const from = fresh ? partNumber : Math.floor((partNumber - 1) / URL_BATCH) * URL_BATCH + 1;
    let batch = this.loading.get(from);
    if (!batch) {
      batch = this
        .fetch(from, URL_BATCH, signal)
        .then((answer) => this.remember(answer.parts, answer.expires_at))
        .finally(() => this.loading.delete(from));
      this.loading.set(from, batch);
    }
    await batch;
    const url = this.urls.get(partNumber)?.url;
    if (!url) throw new ApiError(`The server gave no upload URL for part ${partNumber}.`, 0, 'error');
    return url;
  }

  private remember(parts: PartUrl[], expiresAt: string | null): void {
    // Without an expiry (the first URLs of a ticket always have one), assume the shortest useful life.
    const expires = expiresAt ? new Date(expiresAt).getTime() : Date.now() + 2 * URL_EXPIRY_MARGIN_MS;
    for (const part of parts) this.urls.set(part.part_number, { url: part.url, expiresAt: expires });
  }
}
