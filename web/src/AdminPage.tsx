import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type AdminUser, type Invite, type InviteCreated, type Me } from './api';
import { Alert } from './Alert';
import { InputField } from './Field';
import { formatBytes } from './format';
import { useAction, useTitle } from './hooks';
import { NewLink } from './NewLink';
import { followLink } from './router';

/** Quotas are typed in gigabytes, the unit the app shows sizes in. */
const GB = 1000 * 1000 * 1000;

/** The admins' page: users with their usage, quotas, disabling and deleting; invites. */
export function AdminPage({ me }: { me: Me }) {
  useTitle('Admin');
  return (
    <div class="page">
      <header class="app-header">
        <a class="brand" href="/" onClick={followLink}>
          edgedrop
        </a>
        <div class="account">
          <span class="account-email">{me.email}</span>
          <a href="/" onClick={followLink}>
            Back to your files
          </a>
        </div>
      </header>
      <main id="main" class="settings stack" tabIndex={-1}>
        <h1>Admin</h1>
        <Users me={me} />
        <Invites />
      </main>
    </div>
  );
}

function Users({ me }: { me: Me }) {
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const load = useAction();

  const fetchPage = useCallback(
    (query: string, cursor: string | null) =>
      load.run(async () => {
        const page = await api.adminUsers(query, cursor);
        setUsers((before) => (cursor ? [...before, ...page.items] : page.items));
        setNext(page.next_cursor);
      }),
    [],
  );
  useEffect(() => void fetchPage('', null), []);

  const search = (event: Event) => {
    event.preventDefault();
    void fetchPage(q.trim(), null);
  };
  const replace = (user: AdminUser) => setUsers((list) => list.map((u) => (u.id === user.id ? user : u)));
  const remove = (id: string) => setUsers((list) => list.filter((u) => u.id !== id));

  return (
    <section class="card stack" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <form class="copy-row" role="search" onSubmit={search}>
        <InputField label="Search users by email" type="search" value={q} onValue={setQ} />
        <button type="submit">Search</button>
      </form>
      <Alert message={load.error} />
      <ul class="admin-users stack" aria-label="Users">
        {users.map((user) => (
          <UserRow key={user.id} user={user} self={user.email === me.email} onChanged={replace} onDeleted={remove} />
        ))}
      </ul>
      {users.length === 0 && !load.busy && <p class="muted">No users found.</p>}
      {next && (
        <div>
          <button type="button" onClick={() => void fetchPage(q.trim(), next)} disabled={load.busy}>
            Show more users
          </button>
        </div>
      )}
    </section>
  );
}

function UserRow({
  user,
  self,
  onChanged,
  onDeleted,
}: {
  user: AdminUser;
  self: boolean;
  onChanged(user: AdminUser): void;
  onDeleted(id: string): void;
}) {
  const quotaText = (own: number | null) => (own === null ? '' : String(own / GB));
  const [quota, setQuota] = useState(quotaText(user.quota_override));
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const taken = user.used_bytes + user.pending_bytes;

  const saveQuota = (event: Event) => {
    event.preventDefault();
    const raw = quota.trim();
    const gb = raw === '' ? null : Number(raw);
    if (gb !== null && (!Number.isFinite(gb) || gb < 0)) {
      return action.setError('Give the quota in GB (0 for unlimited), or leave it empty for the default.');
    }
    void action.run(async () => {
      const changed = await api.updateUser(user.id, { quota_bytes: gb === null ? null : Math.round(gb * GB) });
      setQuota(quotaText(changed.quota_override));
      onChanged(changed);
    });
  };
  const toggle = () =>
    void action.run(async () => onChanged(await api.updateUser(user.id, { disabled: !user.disabled })));
  const remove = () =>
    void action.run(async () => {
      await api.deleteUser(user.id);
      onDeleted(user.id);
    });

  return (
    <li class="admin-user stack" aria-label={user.email}>
      <p>
        <strong>{user.email}</strong> {user.disabled && <span class="badge">Disabled</span>}
      </p>
      <p class="usage">
        {user.quota_bytes !== null && (
          <meter
            min={0}
            max={user.quota_bytes}
            value={Math.min(taken, user.quota_bytes)}
            aria-label={`Storage used by ${user.email}`}
          />
        )}
        <span>
          {user.file_count} files · {formatBytes(taken)} of{' '}
          {user.quota_bytes === null ? 'no limit' : formatBytes(user.quota_bytes)}
          {user.quota_override === null ? ' (default quota)' : ''}
        </span>
      </p>
      <Alert message={action.error} />
      <form class="copy-row" onSubmit={saveQuota}>
        <InputField
          label={`Quota of ${user.email} in GB`}
          hint="Empty for the default, 0 for unlimited."
          inputMode="decimal"
          value={quota}
          onValue={setQuota}
        />
        <button type="submit" disabled={action.busy}>
          Set quota
        </button>
      </form>
      <div class="copy-row">
        <button type="button" onClick={toggle} disabled={action.busy || self}>
          {user.disabled ? `Enable ${user.email}` : `Disable ${user.email}`}
        </button>
        {confirming ? (
          <>
            <button type="button" class="danger" onClick={remove} disabled={action.busy}>
              Yes, delete {user.email} and all their files
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} disabled={self}>
            Delete {user.email}
          </button>
        )}
      </div>
    </li>
  );
}

function Invites() {
  const [invites, setInvites] = useState<Invite[]>([]);
  const [email, setEmail] = useState('');
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const action = useAction();

  const reload = () => action.run(async () => setInvites((await api.invites()).items));
  useEffect(() => void reload(), []);

  const create = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const invite = await api.createInvite(email.trim() ? { email: email.trim() } : {});
      setEmail('');
      setCreated(invite);
      setInvites((await api.invites()).items);
    });
  };
  const revoke = (id: string) =>
    void action.run(async () => {
      await api.revokeInvite(id);
      setInvites((list) => list.filter((i) => i.id !== id));
    });

  return (
    <section class="card stack" aria-labelledby="invites-heading">
      <h2 id="invites-heading">Invites</h2>
      <p class="muted">With sign-up by invite, each invite link registers one account before it expires.</p>
      <Alert message={action.error} />
      <form class="stack" onSubmit={create}>
        <InputField
          label="Only for this email (optional)"
          type="email"
          autoComplete="off"
          value={email}
          onValue={setEmail}
        />
        <div>
          <button type="submit" class="primary" disabled={action.busy}>
            Create invite
          </button>
        </div>
      </form>
      {created && (
        <NewLink
          link={created}
          label="Invite link"
          copyLabel="Copy invite link"
          hint="Copy it now: it will not be shown again."
        />
      )}
      <ul class="stack" aria-label="Invites">
        {invites.map((invite) => (
          <li key={invite.id} class="copy-row">
            <span>
              {invite.email ?? 'Anyone'} · {invite.used_at ? 'used' : `expires ${new Date(invite.expires_at).toLocaleString()}`}
            </span>
            <button type="button" onClick={() => revoke(invite.id)} disabled={action.busy}>
              Revoke invite for {invite.email ?? 'anyone'}
            </button>
          </li>
        ))}
      </ul>
      {invites.length === 0 && <p class="muted">No open invites.</p>}
    </section>
  );
}
