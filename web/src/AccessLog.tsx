import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, isAbort, type Access } from './api';
import { formatDate } from './format';
import { messageOf } from './hooks';
import { OUTCOMES } from './shareText';

interface Props {
  /** The link's file, when it is opened from the file; null: any link, by its id. */
  fileId: string | null;
  shareId: string;
  number: number;
  onHide(): void;
}

/** Who opened a link and what happened, newest first, fifty at a time. */
export function AccessLog({ fileId, shareId, number, onHide }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [items, setItems] = useState<Access[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.accesses(fileId, shareId, from);
      setItems((known) => (from ? [...known, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      if (!isAbort(e)) setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    heading.current?.focus();
    void load(null);
  }, [shareId]);

  return (
    <div class="share-detail stack">
      <h4 class="detail-title" tabIndex={-1} ref={heading}>
        Access log of link {number}
      </h4>
      <Alert message={error} />
      {items.length > 0 ? (
        <div class="table-scroll">
          <table class="access-log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col">Visitor</th>
                <th scope="col">Browser</th>
              </tr>
            </thead>
            <tbody>
              {items.map((access, index) => (
                <tr key={`${access.at}-${index}`}>
                  <td>
                    <time dateTime={access.at}>{formatDate(access.at)}</time>
                  </td>
                  <td>{OUTCOMES[access.outcome] ?? access.outcome}</td>
                  <td>
                    {/* A salted hash: tells visits of one client apart from another's without revealing the address. */}
                    <code title="A pseudonym of the visitor's IP address">{access.ip_hash.slice(0, 10)}</code>
                  </td>
                  <td class="user-agent">{access.user_agent || 'Unknown'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        !loading && !error && <p class="muted">Nobody has opened this link yet.</p>
      )}
      <p role="status" class="muted">
        {loading ? 'Loading…' : ''}
      </p>
      <div class="button-row">
        {cursor && !loading && (
          <button type="button" class="small" onClick={() => void load(cursor)}>
            Load more
          </button>
        )}
        <button type="button" class="small" onClick={onHide}>
          Hide access log
        </button>
      </div>
    </div>
  );
}
