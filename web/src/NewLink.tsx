import { useEffect, useId, useRef, useState } from 'preact/hooks';

interface Props {
  /** What was just created: its id (a new one focuses the field again) and its link. */
  link: { id: string; url: string };
  label?: string;
  copyLabel?: string;
  hint?: string;
}

/**
 * A link just created (a share's, an upload request's, an invite's): its token is never
 * shown again, so it is offered for copying right away.
 */
export function NewLink({
  link,
  label = 'Share link',
  copyLabel = 'Copy link',
  hint = 'Copy it now: for your security this link will not be shown again.',
}: Props) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    setStatus('');
    input.current?.focus();
    input.current?.select();
  }, [link.id]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link.url);
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
        <input ref={input} id={id} type="text" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="primary" onClick={copy}>
          {copyLabel}
        </button>
      </div>
      <p class="hint">{hint}</p>
      <p class="hint" role="status">
        {status}
      </p>
    </div>
  );
}
