import { useEffect, useMemo, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { ApiError, type GuestRequest, type ReceivedFile } from './api';
import { CardPage } from './CardPage';
import { InputField } from './Field';
import { formatBytes, formatRelative, plural } from './format';
import { messageOf, useAction, useTitle } from './hooks';
import { openRequest, requestTarget } from './requestTarget';
import { ResumeStore } from './resumeStore';
import { UploadButton } from './UploadButton';
import { UploadPanel } from './UploadPanel';
import { UploadQueue } from './uploads';
import { useFileDrop } from './useFileDrop';

type View =
  | { kind: 'loading' }
  | { kind: 'locked'; error: string | null }
  | { kind: 'open'; request: GuestRequest }
  | { kind: 'gone'; message: string };

/**
 * The page a guest gets from an upload request's link (`/request/{token}`): the owner's
 * note, what the request still takes, and the app's upload engine (large files straight to
 * the bucket, resumable, with progress). Nothing of the owner's files is shown or reachable.
 */
export function GuestUploadPage({ token }: { token: string }) {
  useTitle('Send files');
  const [password, setPassword] = useState<string | null>(null);
  const [view, setView] = useState<View>({ kind: 'loading' });

  const load = async (given: string | null) => {
    try {
      const request = await openRequest(token, given);
      setPassword(given);
      setView({ kind: 'open', request });
    } catch (error) {
      setView(viewOfError(error));
    }
  };
  useEffect(() => void load(null), [token]);

  const queue = useMemo(
    () =>
      new UploadQueue(
        // Interrupted uploads are remembered per link (a prefix of its token is enough to tell them apart).
        new ResumeStore(`request.${token.slice(0, 16)}`),
        requestTarget(token, password, () => setView({ kind: 'locked', error: 'Enter the password again.' })),
      ),
    [token, password],
  );
  useEffect(() => () => queue.stopAll(), [queue]);
  // What is left changes with every file that arrives.
  useEffect(() => queue.onUploaded(() => void load(password)), [queue, password]);

  switch (view.kind) {
    case 'loading':
      return (
        <CardPage>
          <p class="muted">Loading…</p>
        </CardPage>
      );
    case 'gone':
      return (
        <CardPage>
          <h1>Send files</h1>
          <p>{view.message}</p>
        </CardPage>
      );
    case 'locked':
      return <Locked error={view.error} onPassword={(given) => load(given)} />;
    case 'open':
      return <Open request={view.request} queue={queue} />;
  }
}

function viewOfError(error: unknown): View {
  if (error instanceof ApiError) {
    if (error.code === 'request_password_required') return { kind: 'locked', error: null };
    if (error.code === 'invalid_request_password') return { kind: 'locked', error: 'Wrong password. Try again.' };
    if (error.code === 'rate_limited') return { kind: 'locked', error: error.message };
    if (error.status === 404) return { kind: 'gone', message: 'This upload link does not exist or was revoked.' };
    if (error.status === 410) return { kind: 'gone', message: 'This upload link has expired.' };
  }
  return { kind: 'gone', message: messageOf(error) };
}

function Locked({ error, onPassword }: { error: string | null; onPassword(password: string): Promise<void> }) {
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(() => onPassword(password));
  };
  return (
    <CardPage>
      <h1>Send files</h1>
      <p class="muted">This upload link is protected by a password.</p>
      <Alert message={action.error ?? error} />
      <form class="stack" onSubmit={submit}>
        <InputField label="Password" type="password" required value={password} onValue={setPassword} />
        <button type="submit" class="primary" disabled={action.busy}>
          Continue
        </button>
      </form>
    </CardPage>
  );
}

function Open({ request, queue }: { request: GuestRequest; queue: UploadQueue<ReceivedFile> }) {
  const [notice, setNotice] = useState('');
  const full = request.files_left === 0 || request.bytes_left === 0;
  const send = (files: File[]) => {
    setNotice('');
    queue.add(files, '/');
  };
  const dragging = useFileDrop(send, (count) =>
    setNotice(`${plural(count, 'folder was', 'folders were')} not sent: drop the files inside it instead.`),
  );
  return (
    <div class={`page guest-upload${dragging ? ' dragging' : ''}`}>
      <main id="main" class="settings stack" tabIndex={-1}>
        <p class="brand">edgedrop</p>
        <h1>Send files</h1>
        {request.note && <p class="request-note">{request.note}</p>}
        <p class="muted">{limitsOf(request)}</p>
        <Alert message={notice || null} />
        {full ? (
          <p role="status">This upload link takes no more files.</p>
        ) : (
          <div>
            <UploadButton onFiles={send} />
            <p class="hint">Or drop files anywhere on this page. You will not see the files of the person who asked.</p>
          </div>
        )}
        <UploadPanel queue={queue} folder="/" />
      </main>
    </div>
  );
}

/** What the request still takes, in words. */
function limitsOf(request: GuestRequest): string {
  const parts: string[] = [];
  if (request.files_left !== null) parts.push(`${plural(request.files_left, 'more file', 'more files')}`);
  if (request.bytes_left !== null) parts.push(`${formatBytes(request.bytes_left)} in all`);
  const what = parts.length > 0 ? `Takes up to ${parts.join(' and ')}` : 'Takes any number of files';
  const until = request.expires_at === null ? '' : `; the link closes ${formatRelative(request.expires_at)}`;
  return `${what}${until}.`;
}
