import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { ShareCreated } from './api';

/** A link just created (a share's, or an upload request's): its token is never shown again, so it is offered for copying right away. */
export function NewShareLink({ share, label = 'Share link' }: { share: Pick<ShareCreated, 'id' | 'url'>; label?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    setStatus('');
    input.current?.focus();
    input.current?.select();
  }, [share.id]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(share.url);
      setStatus('Link copied.');
    } catch {
      // No clipboard access (an insecure origin, or permission refused): leave it selected to copy by hand.
      input.current?.focus();
      input.current?.select();
      setStatus('Could not copy automatically: the link is selected, press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };

  return (
    <div class="new-link stack">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input ref={input} id={id} type="text" readOnly value={share.url} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="primary" onClick={copy}>
          Copy link
        </button>
      </div>
      <p class="hint">Copy it now: for your security this link will not be shown again.</p>
      <p class="hint" role="status">
        {status}
      </p>
    </div>
  );
}
