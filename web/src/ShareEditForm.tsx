import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type Share, type ShareChanges } from './api';
import { Field } from './Field';
import { useAction } from './hooks';
import { describeExpiry, EXPIRY_CHOICES, LIMIT_PROBLEM, MIN_LINK_PASSWORD, parseLimit, PASSWORD_PROBLEM } from './shareText';

interface Props {
  fileId: string;
  share: Share;
  /** The link's 1-based position in the list, its name on screen. */
  number: number;
  onSaved(share: Share): void;
  onCancel(): void;
}

const KEEP = 'keep';

/** Changes a link: only what the form changed is sent (absent keeps, null removes). */
export function ShareEditForm({ fileId, share, number, onSaved, onCancel }: Props) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [expiry, setExpiry] = useState(KEEP);
  const [limit, setLimit] = useState(share.max_downloads === null ? '' : String(share.max_downloads));
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const action = useAction();

  useEffect(() => heading.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    const changes: ShareChanges = {};
    if (expiry !== KEEP) changes.expires_in = EXPIRY_CHOICES[Number(expiry)]?.seconds ?? null;
    const maxDownloads = parseLimit(limit);
    if (maxDownloads === undefined) return action.setError(LIMIT_PROBLEM);
    if (maxDownloads !== share.max_downloads) changes.max_downloads = maxDownloads;
    if (removePassword) changes.password = null;
    else if (password !== '') {
      if ([...password].length < MIN_LINK_PASSWORD) return action.setError(PASSWORD_PROBLEM);
      changes.password = password;
    }
    if (Object.keys(changes).length === 0) return onCancel();
    void action.run(async () => onSaved(await api.updateShare(fileId, share.id, changes)));
  };

  return (
    <form class="share-detail stack" onSubmit={submit}>
      <h4 class="detail-title" tabIndex={-1} ref={heading}>
        Edit link {number}
      </h4>
      <Alert message={action.error} />
      <div class="field-row">
        <Field id={`${id}-expires`} label="Expires" hint={`Now: ${describeExpiry(share).toLowerCase()}.`}>
          <select
            id={`${id}-expires`}
            aria-describedby={`${id}-expires-hint`}
            value={expiry}
            onChange={(e) => setExpiry(e.currentTarget.value)}
          >
            <option value={KEEP}>Keep as it is</option>
            {EXPIRY_CHOICES.map((choice, index) => (
              <option key={choice.label} value={String(index)}>
                {choice.label}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-limit`} label="Download limit" hint="Empty for no limit.">
          <input
            id={`${id}-limit`}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            aria-describedby={`${id}-limit-hint`}
            value={limit}
            onInput={(e) => setLimit(e.currentTarget.value)}
          />
        </Field>
      </div>
      {share.password_protected && (
        <div class="check">
          <input
            id={`${id}-remove`}
            type="checkbox"
            checked={removePassword}
            onChange={(e) => setRemovePassword(e.currentTarget.checked)}
          />
          <label for={`${id}-remove`}>Remove the password</label>
        </div>
      )}
      {!removePassword && (
        <Field
          id={`${id}-password`}
          label={share.password_protected ? 'New password (optional)' : 'Password (optional)'}
          hint={
            share.password_protected
              ? 'Empty keeps the current password.'
              : 'At least 8 characters; asked of everyone who opens the link.'
          }
        >
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            aria-describedby={`${id}-password-hint`}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
      )}
      <div class="button-row">
        <button type="submit" class="primary" disabled={action.busy}>
          Save changes
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
