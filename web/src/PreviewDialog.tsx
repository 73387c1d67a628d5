import { useEffect, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type FileRecord } from './api';
import { Dialog } from './Dialog';
import { messageOf } from './hooks';

interface Props {
  file: FileRecord;
  onClose(): void;
}

/**
 * The file shown in the app from its short-lived `inline` URL (the CSP lets images, media and
 * frames come from exactly the bucket's origin): an image, a player, or a frame for a PDF or
 * plain text. Only offered for those types (`preview.ts`).
 */
export function PreviewDialog({ file, onClose }: Props) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.previewLink(file.id).then(
      (link) => setUrl(link.url),
      (problem: unknown) => setError(messageOf(problem)),
    );
  }, [file.id]);

  const type = file.content_type.split(';')[0]?.trim().toLowerCase() ?? '';
  const shown = (url: string) => {
    if (type.startsWith('image/')) return <img class="preview-media" src={url} alt={file.name} />;
    if (type.startsWith('video/')) return <video class="preview-media" src={url} controls />;
    if (type.startsWith('audio/')) return <audio src={url} controls />;
    return <iframe class="preview-frame" src={url} title={file.name} />;
  };

  return (
    <Dialog title={`Preview ${file.name}`} onClose={onClose} wide>
      <div class="stack">
        <Alert message={error} />
        {url ? shown(url) : !error && <p class="muted">Loading…</p>}
        <p>
          <a href={api.previewUrl(file.id)} target="_blank" rel="noopener noreferrer">
            Open in a new tab
          </a>
        </p>
      </div>
    </Dialog>
  );
}
