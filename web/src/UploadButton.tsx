import { useRef } from 'preact/hooks';
import { UploadIcon } from './icons';

/** A button that opens the file picker; the input itself stays hidden. */
export function UploadButton({ onFiles }: { onFiles(files: File[]): void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" class="primary" onClick={() => input.current?.click()}>
        <UploadIcon />
        Upload files
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Choose files"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          // Cleared, so choosing the same file again still counts as a change.
          e.currentTarget.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}
