import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, onUnauthorized, type Me } from './api';
import { CardPage } from './CardPage';
import { Drive } from './Drive';
import { messageOf, useCoalesced, useTitle } from './hooks';
import { AccountPage } from './AccountPage';
import { AdminPage } from './AdminPage';
import { Login } from './Login';
import { NotFound } from './NotFound';
import { Register } from './Register';
import { LinksPage } from './LinksPage';
import { RequestsPage } from './RequestsPage';
import { ResumeStore } from './resumeStore';
import { navigate, usePlace } from './router';
import { ownFiles, UploadQueue } from './uploads';

type Session =
  | { kind: 'checking' }
  | { kind: 'anonymous' }
  | { kind: 'user'; me: Me }
  | { kind: 'unreachable'; message: string };

/** The app's pages (`/`, `/login`, `/register`, `/account`, `/links`, `/upload-requests`, `/admin` for admins; anything else is "not found") and who is logged in. */
export function App() {
  const place = usePlace();
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const [notice, setNotice] = useState<string | null>(null);
  const userId = session.kind === 'user' ? session.me.id : null;

  const loadMe = useCallback(async () => {
    try {
      setSession({ kind: 'user', me: await api.me() });
      setNotice(null);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setSession({ kind: 'anonymous' });
      else setSession((s) => (s.kind === 'user' ? s : { kind: 'unreachable', message: messageOf(error) }));
    }
  }, []);

  useEffect(() => {
    void loadMe();
    onUnauthorized(() => {
      setSession({ kind: 'anonymous' });
      setNotice('Your session has ended. Please log in again.');
      navigate('/login', { replace: true });
    });
    return () => onUnauthorized(null);
  }, []);

  // Usage changes in bursts (several uploads finishing): no more than one refresh at a time.
  const refreshUsage = useCoalesced(loadMe);

  const queue = useMemo(() => (userId ? new UploadQueue(new ResumeStore(userId), ownFiles) : null), [userId]);
  useEffect(() => () => queue?.stopAll(), [queue]);

  /** The account page ended this session (logged out everywhere, or deleted the account). */
  const signedOut = useCallback((message: string) => {
    setSession({ kind: 'anonymous' });
    setNotice(message);
    navigate('/login');
  }, []);

  const loggedOut = useCallback(() => {
    setSession({ kind: 'anonymous' });
    setNotice('You have logged out.');
    navigate('/login');
  }, []);

  switch (place.path) {
    case '/login':
    case '/register':
      if (session.kind === 'checking') return <Loading />;
      if (session.kind === 'user') return <Redirect to="/" />;
      return place.path === '/login' ? (
        <Login onLoggedIn={loadMe} notice={notice} />
      ) : (
        <Register onLoggedIn={loadMe} invite={place.query.get('invite')} />
      );
    case '/account':
    case '/admin':
    case '/upload-requests':
    case '/links':
      if (session.kind === 'checking') return <Loading />;
      if (session.kind === 'anonymous') return <Redirect to="/login" />;
      if (session.kind === 'unreachable') return <Unreachable message={session.message} onRetry={loadMe} />;
      if (place.path === '/admin') return session.me.is_admin ? <AdminPage me={session.me} /> : <NotFound />;
      if (place.path === '/upload-requests') return <RequestsPage me={session.me} />;
      if (place.path === '/links') return <LinksPage me={session.me} />;
      return <AccountPage me={session.me} onSignedOut={signedOut} />;
    case '/':
      if (session.kind === 'checking') return <Loading />;
      if (session.kind === 'anonymous') return <Redirect to="/login" />;
      if (session.kind === 'unreachable') return <Unreachable message={session.message} onRetry={loadMe} />;
      return queue ? (
        <Drive me={session.me} place={place} queue={queue} onUsageChanged={refreshUsage} onLoggedOut={loggedOut} />
      ) : null;
    default:
      return <NotFound />;
  }
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Loading() {
  useTitle('Loading');
  return (
    <div class="page-centered">
      <p class="muted" role="status">
        Loading…
      </p>
    </div>
  );
}

function Unreachable({ message, onRetry }: { message: string; onRetry(): void }) {
  useTitle('Cannot connect');
  return (
    <CardPage>
      <h1>Cannot load your files</h1>
      <p class="error" role="alert">
        {message}
      </p>
      <button type="button" class="primary" onClick={onRetry}>
        Try again
      </button>
    </CardPage>
  );
}
