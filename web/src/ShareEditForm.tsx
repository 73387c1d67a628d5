import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type Share, type ShareChanges } from './api';
import { useAction } from './hooks';
import { ExpiryField, KEEP_EXPIRY, LimitField, LinkPasswordField, RemovePasswordField } from './ShareFields';
import { describeExpiry, EXPIRY_CHOICES, LIMIT_PROBLEM, linkPasswordProblem, parseLimit } from './shareText';

interface Props {
  /** The link's file, when it is opened from the file; null: any link, by its id. */
  fileId: string | null;
  share: Share;
  /** The link's 1-based position in the list, its name on screen. */
  number: number;
  onSaved(share: Share): void;
  onCancel(): void;
}

/** Changes a link: only what the form changed is sent (absent keeps, null removes). */
export function ShareEditForm({ fileId, share, number, onSaved, onCancel }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [expiry, setExpiry] = useState(KEEP_EXPIRY);
  const [limit, setLimit] = useState(share.max_downloads === null ? '' : String(share.max_downloads));
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const action = useAction();

  useEffect(() => heading.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    const changes: ShareChanges = {};
    if (expiry !== KEEP_EXPIRY) changes.expires_in = EXPIRY_CHOICES[Number(expiry)]?.seconds ?? null;
    const maxDownloads = parseLimit(limit);
    if (maxDownloads === undefined) return action.setError(LIMIT_PROBLEM);
    if (maxDownloads !== share.max_downloads) changes.max_downloads = maxDownloads;
    if (removePassword) changes.password = null;
    else if (password !== '') {
      const passwordProblem = linkPasswordProblem(password);
      if (passwordProblem) return action.setError(passwordProblem);
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
        <ExpiryField value={expiry} onValue={setExpiry} now={describeExpiry(share)} />
        <LimitField value={limit} onValue={setLimit} />
      </div>
      {share.password_protected && (
        <RemovePasswordField checked={removePassword} onChecked={setRemovePassword} />
      )}
      {!removePassword && (
        <LinkPasswordField value={password} onValue={setPassword} replacing={share.password_protected} />
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
