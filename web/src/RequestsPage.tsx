import { useEffect, useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import {
  api,
  type FileRequest,
  type FileRequestChanges,
  type FileRequestCreated,
  type Me,
  type NewFileRequest,
} from './api';
import { Field, InputField } from './Field';
import { formatBytes, formatRelative, plural } from './format';
import { BackHeader } from './Header';
import { useAction, useTitle } from './hooks';
import { NewLink } from './NewLink';
import { ExpiryField, KEEP_EXPIRY, LinkPasswordField, RemovePasswordField } from './ShareFields';
import { EXPIRY_CHOICES, linkPasswordProblem, parseLimit } from './shareText';

const MB = 1_000_000;

/** "12" (MB) → bytes; null when empty, undefined when not a positive number. */
function parseMegabytes(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 ? Math.max(1, Math.round(value * MB)) : undefined;
}

/** The limits typed in a form (null: none), or why they cannot be used. */
function parseLimits(files: string, megabytes: string): { maxFiles: number | null; maxBytes: number | null } | string {
  const maxFiles = parseLimit(files);
  if (maxFiles === undefined) return 'The number of files must be a whole number of at least 1.';
  const maxBytes = parseMegabytes(megabytes);
  if (maxBytes === undefined) return 'The size limit must be a positive number of megabytes.';
  return { maxFiles, maxBytes };
}

/**
 * Upload requests (`/upload-requests`; `/requests` is the API's): links through which anyone sends files into one of your
 * folders. Create one (its link is shown once), see what each received, change its limits,
 * revoke it.
 */
export function RequestsPage({ me }: { me: Me }) {
  useTitle('Upload requests');
  const [requests, setRequests] = useState<FileRequest[] | null>(null);
  const [created, setCreated] = useState<FileRequestCreated | null>(null);
  const load = useAction();
  const reload = () => void load.run(async () => setRequests((await api.requests()).items));
  useEffect(reload, []);

  return (
    <div class="page">
      <BackHeader me={me} />
      <main id="main" class="settings stack" tabIndex={-1}>
        <h1>Upload requests</h1>
        <p class="muted">
          A link through which anyone sends you files, into a folder of yours. They see neither the folder nor your
          files; what they send counts against your storage.
        </p>
        <CreateRequest
          onCreated={(request) => {
            setCreated(request);
            reload();
          }}
        />
        {created && <NewLink link={created} label="Upload link" />}
        <section class="card stack" aria-labelledby="requests-heading">
          <h2 id="requests-heading">Your upload requests</h2>
          <Alert message={load.error} />
          {requests === null ? (
            <p class="muted">Loading…</p>
          ) : requests.length === 0 ? (
            <p class="muted">No upload requests yet.</p>
          ) : (
            <ul class="request-list" aria-label="Upload requests">
              {requests.map((request) => (
                <RequestItem key={request.id} request={request} onChanged={reload} />
              ))}
            </ul>
          )}
        </section>
      </main>
    </div>
  );
}

function CreateRequest({ onCreated }: { onCreated(request: FileRequestCreated): void }) {
  const [folder, setFolder] = useState('/');
  const [note, setNote] = useState('');
  const [expiry, setExpiry] = useState('0');
  const [files, setFiles] = useState('');
  const [megabytes, setMegabytes] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const limits = parseLimits(files, megabytes);
    if (typeof limits === 'string') return action.setError(limits);
    const { maxFiles, maxBytes } = limits;
    const passwordProblem = linkPasswordProblem(password);
    if (passwordProblem) return action.setError(passwordProblem);
    const request: NewFileRequest = { folder: folder.trim() || '/' };
    const seconds = EXPIRY_CHOICES[Number(expiry)]?.seconds ?? null;
    if (seconds !== null) request.expires_in = seconds;
    if (maxFiles !== null) request.max_files = maxFiles;
    if (maxBytes !== null) request.max_bytes = maxBytes;
    if (password !== '') request.password = password;
    if (note.trim() !== '') request.note = note.trim();
    void action.run(async () => {
      onCreated(await api.createRequest(request));
      setPassword('');
    });
  };
  return (
    <section class="card stack" aria-labelledby="new-request">
      <h2 id="new-request">New upload request</h2>
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <InputField label="Folder" hint="Where the files land, e.g. /inbox." required value={folder} onValue={setFolder} />
        <NoteField value={note} onValue={setNote} />
        <div class="field-row">
          <ExpiryField value={expiry} onValue={setExpiry} />
          <LimitFields files={files} onFiles={setFiles} megabytes={megabytes} onMegabytes={setMegabytes} />
        </div>
        <LinkPasswordField value={password} onValue={setPassword} />
        <div>
          <button type="submit" class="primary" disabled={action.busy}>
            Create upload link
          </button>
        </div>
      </form>
    </section>
  );
}

interface LimitProps {
  files: string;
  onFiles(value: string): void;
  megabytes: string;
  onMegabytes(value: string): void;
}

/** The number of files and megabytes a request takes, empty for no limit. */
function LimitFields({ files, onFiles, megabytes, onMegabytes }: LimitProps) {
  return (
    <>
      <InputField
        label="Most files"
        hint="Empty for no limit."
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={files}
        onValue={onFiles}
      />
      <InputField
        label="Most megabytes in all"
        hint="Empty for no limit."
        type="number"
        min={0}
        step="any"
        inputMode="decimal"
        value={megabytes}
        onValue={onMegabytes}
      />
    </>
  );
}

function NoteField({ value, onValue }: { value: string; onValue(value: string): void }) {
  const id = useId();
  return (
    <Field id={id} label="Note for the people sending (optional)" hint="Shown on the upload page.">
      <textarea
        id={id}
        aria-describedby={`${id}-hint`}
        maxLength={2000}
        rows={2}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </Field>
  );
}

function RequestItem({ request, onChanged }: { request: FileRequest; onChanged(): void }) {
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const revoke = () =>
    void action.run(async () => {
      await api.revokeRequest(request.id);
      onChanged();
    });
  return (
    <li class="request-item stack">
      <p>
        <strong>{request.folder}</strong>
        {request.note && <span class="muted"> · {request.note}</span>}
      </p>
      <p class="muted">
        {received(request)} · {left(request)} · {expiry(request)}
        {request.protected ? ' · password' : ''}
      </p>
      <Alert message={action.error} />
      <div class="actions">
        <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          Edit<span class="visually-hidden"> the request into {request.folder}</span>
        </button>
        <button type="button" class="danger" onClick={revoke} disabled={action.busy}>
          Revoke<span class="visually-hidden"> the request into {request.folder}</span>
        </button>
      </div>
      {editing && (
        <EditRequest
          request={request}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
        />
      )}
    </li>
  );
}

/**
 * Changes a request: its limits as the form shows them; the note, expiry and password only
 * when changed (null removes).
 */
function EditRequest({ request, onSaved }: { request: FileRequest; onSaved(): void }) {
  const [note, setNote] = useState(request.note ?? '');
  const [expiryChoice, setExpiryChoice] = useState(KEEP_EXPIRY);
  const [files, setFiles] = useState(request.max_files === null ? '' : String(request.max_files));
  const [megabytes, setMegabytes] = useState(request.max_bytes === null ? '' : String(request.max_bytes / MB));
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const limits = parseLimits(files, megabytes);
    if (typeof limits === 'string') return action.setError(limits);
    const changes: FileRequestChanges = { max_files: limits.maxFiles, max_bytes: limits.maxBytes };
    if (note.trim() !== (request.note ?? '')) changes.note = note.trim() === '' ? null : note.trim();
    if (expiryChoice !== KEEP_EXPIRY) changes.expires_in = EXPIRY_CHOICES[Number(expiryChoice)]?.seconds ?? null;
    if (removePassword) changes.password = null;
    else if (password !== '') {
      const passwordProblem = linkPasswordProblem(password);
      if (passwordProblem) return action.setError(passwordProblem);
      changes.password = password;
    }
    void action.run(async () => {
      await api.updateRequest(request.id, changes);
      onSaved();
    });
  };
  return (
    <form class="stack" onSubmit={submit}>
      <Alert message={action.error} />
      <NoteField value={note} onValue={setNote} />
      <div class="field-row">
        <ExpiryField value={expiryChoice} onValue={setExpiryChoice} now={expiry(request)} />
        <LimitFields files={files} onFiles={setFiles} megabytes={megabytes} onMegabytes={setMegabytes} />
      </div>
      {request.protected && <RemovePasswordField checked={removePassword} onChecked={setRemovePassword} />}
      {!removePassword && <LinkPasswordField value={password} onValue={setPassword} replacing={request.protected} />}
      <div>
        <button type="submit" class="primary" disabled={action.busy}>
          Save changes
        </button>
      </div>
    </form>
  );
}

function received(request: FileRequest): string {
  const pending = request.files_pending > 0 ? ` (${request.files_pending} arriving)` : '';
  return `${plural(request.files_received, 'file', 'files')} received, ${formatBytes(request.bytes_received)}${pending}`;
}

function left(request: FileRequest): string {
  if (request.files_left === null && request.bytes_left === null) return 'no limit';
  const parts: string[] = [];
  if (request.files_left !== null) parts.push(plural(request.files_left, 'file', 'files'));
  if (request.bytes_left !== null) parts.push(formatBytes(request.bytes_left));
  return `${parts.join(', ')} left`;
}

function expiry(request: FileRequest): string {
  if (request.expires_at === null) return 'never expires';
  const past = new Date(request.expires_at).getTime() <= Date.now();
  return `${past ? 'expired' : 'expires'} ${formatRelative(request.expires_at)}`;
}
