import { useEffect, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type AccessToken, type Scope } from './api';
import { useAction } from './hooks';

const SCOPES: { scope: Scope; label: string }[] = [
  { scope: 'files:read', label: 'Read files: list, get and download' },
  { scope: 'files:write', label: 'Change files: upload, rename, move and delete' },
  { scope: 'shares:write', label: 'Share links: create, list, edit, revoke and read their access logs' },
];

const LIFETIMES: { label: string; seconds: number | null }[] = [
  { label: '30 days', seconds: 30 * 86400 },
  { label: '90 days', seconds: 90 * 86400 },
  { label: '1 year', seconds: 366 * 86400 },
  { label: 'Never', seconds: null },
];

const when = (stamp: string | null, none: string) => (stamp ? new Date(stamp).toLocaleString() : none);

/**
 * Personal access tokens for scripts and the `edgedrop` command line, on the account page.
 * A new token is shown once, to be copied; the list never shows secrets; revoking is at once.
 */
export function AccessTokens() {
  const [tokens, setTokens] = useState<AccessToken[] | null>(null);
  const [created, setCreated] = useState<AccessToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['files:read', 'files:write']);
  const [lifetime, setLifetime] = useState(1);
  const load = useAction();
  const create = useAction();
  const revoke = useAction();

  const reload = () => load.run(async () => setTokens((await api.tokens()).items));
  useEffect(() => {
    void reload();
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    if (name.trim() === '') return create.setError('Give the token a name, e.g. “backup script”.');
    if (scopes.length === 0) return create.setError('Choose at least one permission.');
    void create.run(async () => {
      const token = await api.createToken({
        name: name.trim(),
        scopes,
        expires_in: LIFETIMES[lifetime]?.seconds ?? null,
      });
      setCreated(token);
      setCopied(false);
      setName('');
      await reload();
    });
  };

  const copy = async () => {
    if (!created?.token) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      create.setError('Copying failed: select the token and copy it yourself.');
    }
  };

  const remove = (token: AccessToken) => {
    if (!confirm(`Revoke “${token.name}”? Anything using it stops working at once.`)) return;
    void revoke.run(async () => {
      await api.revokeToken(token.id);
      if (created?.id === token.id) setCreated(null);
      await reload();
    });
  };

  return (
    <section class="account-page" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Access tokens</h2>
      <p class="muted">
        Tokens let scripts and the <code>edgedrop</code> command line use your files without your password. Each may
        do only what you allow. Logging out everywhere revokes them all.
      </p>

      {created?.token && (
        <div class="token-created" role="status">
          <p>
            <strong>Copy your new token now.</strong> It is shown only this once.
          </p>
          <input
            class="token-secret"
            readOnly
            value={created.token}
            aria-label="New access token"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" class="primary" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}

      <form class="token-form" onSubmit={submit}>
        <h2>New token</h2>
        <label>
          Name
          <input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Permissions</legend>
          {SCOPES.map(({ scope, label }) => (
            <label key={scope}>
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes((s) => (e.currentTarget.checked ? [...s, scope] : s.filter((x) => x !== scope)))
                }
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label>
          Expires
          <select value={lifetime} onChange={(e) => setLifetime(Number(e.currentTarget.value))}>
            {LIFETIMES.map((option, index) => (
              <option key={option.label} value={index}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <Alert message={create.error} />
        <button type="submit" class="primary" disabled={create.busy}>
          Create token
        </button>
      </form>

      <h2>Your tokens</h2>
      <Alert message={load.error ?? revoke.error} />
      {tokens === null ? (
        <p class="muted">Loading…</p>
      ) : tokens.length === 0 ? (
        <p class="muted">No tokens yet.</p>
      ) : (
        <table class="token-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Permissions</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.scopes.join(', ')}</td>
                <td>{when(token.created_at, '')}</td>
                <td>{when(token.expires_at, 'never')}</td>
                <td>{when(token.last_used_at, 'never')}</td>
                <td>
                  <button type="button" onClick={() => remove(token)} disabled={revoke.busy}>
                    Revoke<span class="visually-hidden"> {token.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
