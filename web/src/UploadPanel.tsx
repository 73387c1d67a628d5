import { useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { formatBytes, formatSpeed, percent, plural } from './format';
import { messageOf, useStore } from './hooks';
import type { PendingUpload } from './resumeStore';
import { canCancel, isActive, type UploadControls, type UploadItem } from './uploads';

interface Props {
  queue: UploadControls;
  /** The folder in view: uploads elsewhere say where they go. */
  folder: string;
}

export function UploadPanel({ queue, folder }: Props) {
  const { items, interrupted } = useStore(queue);
  const list = useRef<HTMLUListElement>(null);

  const cancel = (item: UploadItem) => {
    queue.cancel(item.key);
    // The Cancel button is gone now: keep focus in the same upload rather than lose it to the page.
    requestAnimationFrame(() => list.current?.querySelector<HTMLElement>(`[data-key="${item.key}"]`)?.focus());
  };

  return (
    <div class="uploads-area">
      <p class="visually-hidden" aria-live="polite">
        {summary(items)}
      </p>
      {items.length > 0 && (
        <section class="panel uploads">
          <div class="panel-head">
            <h2 class="section-title">Uploads</h2>
            {items.some((item) => !isActive(item)) && (
              <button type="button" class="small" onClick={() => queue.clearFinished()}>
                Clear finished
              </button>
            )}
          </div>
          <ul class="upload-list" aria-label="Uploads" ref={list}>
            {items.map((item) => (
              <UploadRow
                key={item.key}
                item={item}
                folder={folder}
                onCancel={() => cancel(item)}
                onRetry={() => queue.retry(item.key)}
              />
            ))}
          </ul>
        </section>
      )}
      {interrupted.length > 0 && <InterruptedUploads queue={queue} uploads={interrupted} />}
    </div>
  );
}

/** What screen readers hear: changes of state only, not every percent. */
function summary(items: readonly UploadItem[]): string {
  if (items.length === 0) return '';
  const active = items.filter(isActive).length;
  const failed = items.filter((i) => i.state === 'failed').length;
  const done = items.filter((i) => i.state === 'done').length;
  const parts = [];
  if (active > 0) parts.push(`${plural(active, 'file', 'files')} uploading`);
  if (done > 0) parts.push(`${done} done`);
  if (failed > 0) parts.push(`${failed} failed`);
  return active > 0 ? `${parts.join(', ')}.` : `Uploads finished: ${parts.join(', ') || 'none left'}.`;
}

const STATE_TEXT: Record<UploadItem['state'], string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  finishing: 'Finishing',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

interface RowProps {
  item: UploadItem;
  folder: string;
  onCancel(): void;
  onRetry(): void;
}

function UploadRow({ item, folder, onCancel, onRetry }: RowProps) {
  const done = item.state === 'done';
  const loaded = done ? item.size : item.loaded;
  const state = item.state === 'uploading' ? `${percent(loaded, item.size)}%` : STATE_TEXT[item.state];
  return (
    <li class={`upload upload-${item.state}`} data-key={item.key} tabIndex={-1}>
      <div class="upload-head">
        <span class="upload-name">{item.name}</span>
        <span class="upload-state">{state}</span>
      </div>
      <progress max={Math.max(item.size, 1)} value={item.size === 0 && done ? 1 : loaded} aria-label={`Upload progress of ${item.name}`} />
      <p class="upload-meta">
        <span>
          {formatBytes(loaded)} of {formatBytes(item.size)}
        </span>
        {item.state === 'uploading' && item.bytesPerSecond !== null && <span>{formatSpeed(item.bytesPerSecond)}</span>}
        {item.folder !== folder && <span>to {item.folder === '/' ? 'All files' : item.folder}</span>}
      </p>
      {item.error && <p class="error">{item.error}</p>}
      {(item.state === 'failed' || canCancel(item)) && (
        <div class="button-row">
          {item.state === 'failed' && (
            <button type="button" class="small" aria-label={`Retry upload of ${item.name}`} onClick={onRetry}>
              Retry
            </button>
          )}
          {canCancel(item) && (
            <button type="button" class="small" aria-label={`Cancel upload of ${item.name}`} onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function InterruptedUploads({ queue, uploads }: { queue: UploadControls; uploads: readonly PendingUpload[] }) {
  const [message, setMessage] = useState<string | null>(null);
  return (
    <section class="panel interrupted">
      <h2 class="section-title">Interrupted uploads</h2>
      <p class="muted">
        These uploads stopped before they finished. Choose the same file again to continue where it left off.
      </p>
      <Alert message={message} />
      <ul class="upload-list">
        {uploads.map((upload) => (
          <InterruptedRow key={upload.uploadId} queue={queue} upload={upload} onMessage={setMessage} />
        ))}
      </ul>
    </section>
  );
}

interface InterruptedProps {
  queue: UploadControls;
  upload: PendingUpload;
  onMessage(message: string | null): void;
}

function InterruptedRow({ queue, upload, onMessage }: InterruptedProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const sent = upload.parts.length;

  const chosen = (file: File | undefined) => {
    if (!file) return;
    try {
      queue.resume(upload.uploadId, file);
      onMessage(null);
    } catch (error) {
      onMessage(messageOf(error));
    }
  };

  const discard = async () => {
    setBusy(true);
    try {
      await queue.discard(upload.uploadId);
      onMessage(null);
    } catch (error) {
      onMessage(messageOf(error));
      setBusy(false);
    }
  };

  return (
    <li class="upload">
      <div class="upload-head">
        <span class="upload-name">{upload.name}</span>
      </div>
      <p class="upload-meta">
        <span>{formatBytes(upload.size)}</span>
        {upload.method === 'multipart' && <span>{`${sent} of ${plural(upload.partCount, 'part', 'parts')} sent`}</span>}
        <span>to {upload.folder === '/' ? 'All files' : upload.folder}</span>
      </p>
      <div class="button-row">
        <button type="button" class="small" aria-label={`Resume ${upload.name}`} onClick={() => input.current?.click()}>
          Resume
        </button>
        <button type="button" class="small danger-quiet" aria-label={`Discard ${upload.name}`} disabled={busy} onClick={discard}>
          Discard
        </button>
      </div>
      <input
        ref={input}
        type="file"
        hidden
        aria-label={`Choose ${upload.name} again`}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          chosen(file);
        }}
      />
    </li>
  );
}
