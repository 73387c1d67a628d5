import { useEffect, useState } from 'preact/hooks';
import { AccessLog } from './AccessLog';
import { Alert } from './Alert';
import { api, type Me, type Share } from './api';
import { BackHeader } from './Header';
import { useAction, useTitle } from './hooks';
import { type Detail, RevokeConfirm, ShareSummary } from './ShareDialog';
import { ShareEditForm } from './ShareEditForm';

/** What a link shares, in words: the file's name, the collection's name, or the folder. */
function describeTarget(share: Share): string {
  switch (share.kind) {
    case 'file':
      return `File: ${share.name ?? 'a file'}`;
    case 'files':
      return `Files: ${share.name ?? 'a set of files'}`;
    case 'folder':
      return `Folder: ${share.folder ?? share.name ?? '/'}`;
  }
}

/**
 * Every share link of the account (`/links`), of every kind, newest first: what each shares,
 * its downloads and expiry; edit it, read its access log, or revoke it. Links are made from
 * the files (a file's Share, a folder's Share folder, ticked files' Share).
 */
export function LinksPage({ me }: { me: Me }) {
  useTitle('Share links');
  const [links, setLinks] = useState<Share[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<{ detail: Detail; shareId: string } | null>(null);
  const [notice, setNotice] = useState('');
  const load = useAction();

  const loadPage = (from: string | null) =>
    void load.run(async () => {
      const page = await api.links(from);
      setLinks((known) => (from ? [...(known ?? []), ...page.items] : page.items));
      setCursor(page.next_cursor);
    });
  useEffect(() => loadPage(null), []);

  const toggle = (detail: Detail, share: Share) => {
    setNotice('');
    const same = open?.detail === detail && open.shareId === share.id;
    setOpen(same ? null : { detail, shareId: share.id });
  };
  const close = (message = '') => {
    if (open) document.getElementById(`${open.detail}-${open.shareId}`)?.focus();
    setOpen(null);
    setNotice(message);
  };

  return (
    <div class="page">
      <BackHeader me={me} />
      <main id="main" class="settings stack" tabIndex={-1}>
        <h1 id="links-heading" tabIndex={-1}>
          Share links
        </h1>
        <p class="muted">
          Every link you made, newest first. Make new ones from your files: a file's Share, a folder's Share folder,
          or tick files and share them.
        </p>
        <p role="status" class="notice-line">
          {notice}
        </p>
        <Alert message={load.error} />
        {links === null && !load.error && <p class="muted">Loading…</p>}
        {links?.length === 0 && <p class="muted">No links yet.</p>}
        {links && links.length > 0 && (
          <ol class="share-links" aria-labelledby="links-heading">
            {links.map((share, index) => {
              const number = index + 1;
              const detail = open?.shareId === share.id ? open.detail : null;
              return (
                <li key={share.id} class="share-link card">
                  <p>
                    <strong>{describeTarget(share)}</strong>
                  </p>
                  <ShareSummary share={share} number={number} detail={detail} onToggle={toggle} />
                  {detail === 'edit' && (
                    <ShareEditForm
                      fileId={null}
                      share={share}
                      number={number}
                      onSaved={(saved) => {
                        setLinks((list) => list?.map((s) => (s.id === saved.id ? { ...saved, name: saved.name ?? s.name } : s)) ?? null);
                        close(`Link ${number} updated.`);
                      }}
                      onCancel={() => close()}
                    />
                  )}
                  {detail === 'revoke' && (
                    <RevokeConfirm
                      fileId={null}
                      share={share}
                      number={number}
                      onRevoked={() => {
                        setLinks((list) => list?.filter((s) => s.id !== share.id) ?? null);
                        setOpen(null);
                        setNotice(`Link ${number} revoked.`);
                        document.getElementById('links-heading')?.focus();
                      }}
                      onCancel={() => close()}
                    />
                  )}
                  {detail === 'log' && (
                    <AccessLog fileId={null} shareId={share.id} number={number} onHide={() => close()} />
                  )}
                </li>
              );
            })}
          </ol>
        )}
        {cursor && (
          <button type="button" onClick={() => loadPage(cursor)} disabled={load.busy}>
            Show more links
          </button>
        )}
      </main>
    </div>
  );
}
