import { useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type NewShare, type ShareCreated } from './api';
import { Field } from './Field';
import { useAction } from './hooks';
import { EXPIRY_CHOICES, LIMIT_PROBLEM, MIN_LINK_PASSWORD, parseLimit, PASSWORD_PROBLEM } from './shareText';

interface Props {
  fileId: string;
  onCreated(share: ShareCreated): void;
}

export function ShareCreateForm({ fileId, onCreated }: Props) {
  const id = useId();
  const [expiry, setExpiry] = useState(0);
  const [limit, setLimit] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const maxDownloads = parseLimit(limit);
    if (maxDownloads === undefined) return action.setError(LIMIT_PROBLEM);
    if (password !== '' && [...password].length < MIN_LINK_PASSWORD) return action.setError(PASSWORD_PROBLEM);
    const share: NewShare = {};
    const seconds = EXPIRY_CHOICES[expiry]?.seconds ?? null;
    if (seconds !== null) share.expires_in = seconds;
    if (maxDownloads !== null) share.max_downloads = maxDownloads;
    if (password !== '') share.password = password;
    void action.run(async () => {
      onCreated(await api.createShare(fileId, share));
      setPassword('');
    });
  };

  return (
    <form class="stack" onSubmit={submit}>
      <h3 class="section-title">New link</h3>
      <Alert message={action.error} />
      <div class="field-row">
        <Field id={`${id}-expires`} label="Expires">
          <select id={`${id}-expires`} value={expiry} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
            {EXPIRY_CHOICES.map((choice, index) => (
              <option key={choice.label} value={index}>
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
      <Field id={`${id}-password`} label="Password (optional)" hint="At least 8 characters; asked of everyone who opens the link.">
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="new-password"
          aria-describedby={`${id}-password-hint`}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      <div>
        <button type="submit" class="primary" disabled={action.busy}>
          Create link
        </button>
      </div>
    </form>
  );
}
