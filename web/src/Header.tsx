import type { Me } from './api';
import { formatBytes } from './format';
import { followLink } from './router';

interface Props {
  me: Me;
  onLogOut(): void;
  loggingOut: boolean;
}

export function Header({ me, onLogOut, loggingOut }: Props) {
  return (
    <header class="app-header">
      <a class="brand" href="/" onClick={followLink}>
        edgedrop
      </a>
      <Usage me={me} />
      <div class="account">
        <span class="account-email">{me.email}</span>
        <a href="/links" onClick={followLink}>
          Links
        </a>
        <a href="/upload-requests" onClick={followLink}>
          Upload requests
        </a>
        <a href="/account" onClick={followLink}>
          Account
        </a>
        {me.is_admin && (
          <a href="/admin" onClick={followLink}>
            Admin
          </a>
        )}
        <button type="button" onClick={onLogOut} disabled={loggingOut}>
          Log out
        </button>
      </div>
    </header>
  );
}

/** The header of a page beside the files (the account, upload requests): usage, and the way back. */
export function BackHeader({ me }: { me: Me }) {
  return (
    <header class="app-header">
      <a class="brand" href="/" onClick={followLink}>
        edgedrop
      </a>
      <Usage me={me} />
      <div class="account">
        <a href="/" onClick={followLink}>
          Back to your files
        </a>
      </div>
    </header>
  );
}

/** Storage used against the quota; bytes reserved by uploads under way count too, as the server counts them. */
export function Usage({ me }: { me: Me }) {
  const taken = me.used_bytes + me.pending_bytes;
  const pending = me.pending_bytes > 0 ? ` (${formatBytes(me.pending_bytes)} of it uploading)` : '';
  if (me.quota_bytes === null) {
    return (
      <p class="usage">
        <span>
          {formatBytes(taken)} used{pending} · no limit
        </span>
      </p>
    );
  }
  return (
    <p class="usage">
      <meter
        min={0}
        max={me.quota_bytes}
        low={me.quota_bytes * 0.8}
        high={me.quota_bytes * 0.95}
        optimum={0}
        value={Math.min(taken, me.quota_bytes)}
        aria-label="Storage used"
      />
      <span>
        {formatBytes(taken)} of {formatBytes(me.quota_bytes)} used{pending}
      </span>
    </p>
  );
}
