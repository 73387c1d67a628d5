import { useEffect, useRef, useState } from 'preact/hooks';
import { AccessLog } from './AccessLog';
import { Alert } from './Alert';
import { api, type FileRecord, type Share, type ShareCreated } from './api';
import { Dialog } from './Dialog';
import { formatDate } from './format';
import { messageOf, useAction } from './hooks';
import { NewLink } from './NewLink';
import { ShareCreateForm } from './ShareCreateForm';
import { ShareEditForm } from './ShareEditForm';
import { describeDownloads, describeExpiry } from './shareText';

export type Detail = 'edit' | 'revoke' | 'log';

/** The link whose details are open under it, if any. */
type Open = { detail: Detail; shareId: string } | null;

interface Props {
  file: FileRecord;
  onClose(): void;
}

export function ShareDialog({ file, onClose }: Props) {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<ShareCreated | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState('');
  /** Where focus goes once the details close: the control that opened them. */
  const [returnFocus, setReturnFocus] = useState<string | null>(null);

  useEffect(() => {
    api.shares(file.id).then(
      (list) => setShares(list.items),
      (error: unknown) => setLoadError(messageOf(error)),
    );
  }, [file.id]);

  useEffect(() => {
    if (!returnFocus) return;
    document.getElementById(returnFocus)?.focus();
    setReturnFocus(null);
  }, [returnFocus]);

  const toggle = (detail: Detail, share: Share) => {
    setNotice('');
    const same = open?.detail === detail && open.shareId === share.id;
    setOpen(same ? null : { detail, shareId: share.id });
  };

  const closeDetail = (message = '', focus = open ? `${open.detail}-${open.shareId}` : null) => {
    setOpen(null);
    setNotice(message);
    setReturnFocus(focus);
  };

  const revoked = (share: Share, number: number) => {
    setShares((list) => list?.filter((s) => s.id !== share.id) ?? null);
    if (created?.id === share.id) setCreated(null);
    closeDetail(`Link ${number} revoked.`, 'share-links-heading');
  };

  return (
    <Dialog title={`Share ${file.name}`} onClose={onClose} wide>
      {/* Hidden while a link is edited, so each field label names one field only. */}
      {open?.detail !== 'edit' && (
        <ShareCreateForm
          create={(share) => api.createShare(file.id, share)}
          onCreated={(share) => {
            setCreated(share);
            // The API lists links newest first.
            setShares((list) => [share, ...(list ?? [])]);
            setNotice('');
          }}
        />
      )}
      {created && <NewLink link={created} />}
      <section class="stack share-list">
        <h3 class="section-title" id="share-links-heading" tabIndex={-1}>
          Active links
        </h3>
        <p role="status" class="notice-line">
          {notice}
        </p>
        <Alert message={loadError} />
        {shares === null && !loadError && <p class="muted">Loading links…</p>}
        {shares?.length === 0 && <p class="muted">No links yet. Anyone with a link can download the file.</p>}
        {shares && shares.length > 0 && (
          <ol class="share-links">
            {shares.map((share, index) => {
              const number = index + 1;
              const detail = open?.shareId === share.id ? open.detail : null;
              return (
                <li key={share.id} class="share-link">
                  <ShareSummary share={share} number={number} detail={detail} onToggle={toggle} />
                  {detail === 'edit' && (
                    <ShareEditForm
                      fileId={file.id}
                      share={share}
                      number={number}
                      onSaved={(saved) => {
                        setShares((list) => list?.map((s) => (s.id === saved.id ? saved : s)) ?? null);
                        closeDetail(`Link ${number} updated.`);
                      }}
                      onCancel={() => closeDetail()}
                    />
                  )}
                  {detail === 'revoke' && (
                    <RevokeConfirm
                      fileId={file.id}
                      share={share}
                      number={number}
                      onRevoked={() => revoked(share, number)}
                      onCancel={() => closeDetail()}
                    />
                  )}
                  {detail === 'log' && (
                    <AccessLog fileId={file.id} shareId={share.id} number={number} onHide={() => closeDetail()} />
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </section>
      <div class="dialog-actions dialog-footer">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

interface SummaryProps {
  share: Share;
  number: number;
  detail: Detail | null;
  onToggle(detail: Detail, share: Share): void;
}

export function ShareSummary({ share, number, detail, onToggle }: SummaryProps) {
  const button = (kind: Detail, label: string, text: string, extra = '') => (
    <button
      type="button"
      class={`small ${extra}`.trim()}
      id={`${kind}-${share.id}`}
      aria-label={label}
      aria-expanded={detail === kind}
      onClick={() => onToggle(kind, share)}
    >
      {text}
    </button>
  );
  return (
    <div class="share-link-summary">
      <div>
        <p>
          <strong>Link {number}</strong>{' '}
          <span class="muted">
            created <time dateTime={share.created_at}>{formatDate(share.created_at)}</time>
          </span>
        </p>
        <p class="share-facts">
          <span>{describeDownloads(share)}</span>
          <span title={share.expires_at ? formatDate(share.expires_at) : undefined}>{describeExpiry(share)}</span>
          {share.password_protected && <span>Password protected</span>}
        </p>
      </div>
      <div class="button-row">
        {button('edit', `Edit link ${number}`, 'Edit')}
        {button('log', `Access log of link ${number}`, 'Access log')}
        {button('revoke', `Revoke link ${number}`, 'Revoke', 'danger-quiet')}
      </div>
    </div>
  );
}

interface RevokeProps {
  /** The link's file, when it is opened from the file; null: any link, by its id. */
  fileId: string | null;
  share: Share;
  number: number;
  onRevoked(): void;
  onCancel(): void;
}

export function RevokeConfirm({ fileId, share, number, onRevoked, onCancel }: RevokeProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const action = useAction();
  useEffect(() => heading.current?.focus(), []);
  const confirm = () => {
    void action.run(async () => {
      await api.revokeShare(fileId, share.id);
      onRevoked();
    });
  };
  return (
    <div class="share-detail stack">
      <h4 class="detail-title" tabIndex={-1} ref={heading}>
        Revoke link {number}?
      </h4>
      <Alert message={action.error} />
      <p>The link stops working at once for everyone who has it. This cannot be undone.</p>
      <div class="button-row">
        <button type="button" class="danger" onClick={confirm} disabled={action.busy}>
          Revoke
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
