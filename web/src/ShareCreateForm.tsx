import { useState } from 'preact/hooks';
import { Alert } from './Alert';
import type { NewShare, ShareCreated } from './api';
import { useAction } from './hooks';
import { ExpiryField, LimitField, LinkPasswordField } from './ShareFields';
import { EXPIRY_CHOICES, LIMIT_PROBLEM, linkPasswordProblem, parseLimit } from './shareText';

interface Props {
  /** Makes the link (of a file, or of a folder) with these controls. */
  create(share: NewShare): Promise<ShareCreated>;
  onCreated(share: ShareCreated): void;
}

export function ShareCreateForm({ create, onCreated }: Props) {
  const [expiry, setExpiry] = useState('0');
  const [limit, setLimit] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const maxDownloads = parseLimit(limit);
    if (maxDownloads === undefined) return action.setError(LIMIT_PROBLEM);
    const passwordProblem = linkPasswordProblem(password);
    if (passwordProblem) return action.setError(passwordProblem);
    const share: NewShare = {};
    const seconds = EXPIRY_CHOICES[Number(expiry)]?.seconds ?? null;
    if (seconds !== null) share.expires_in = seconds;
    if (maxDownloads !== null) share.max_downloads = maxDownloads;
    if (password !== '') share.password = password;
    void action.run(async () => {
      onCreated(await create(share));
      setPassword('');
    });
  };

  return (
    <form class="stack" onSubmit={submit}>
      <h3 class="section-title">New link</h3>
      <Alert message={action.error} />
      <div class="field-row">
        <ExpiryField value={expiry} onValue={setExpiry} />
        <LimitField value={limit} onValue={setLimit} />
      </div>
      <LinkPasswordField value={password} onValue={setPassword} />
      <div>
        <button type="submit" class="primary" disabled={action.busy}>
          Create link
        </button>
      </div>
    </form>
  );
}
