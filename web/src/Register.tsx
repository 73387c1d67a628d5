import { api } from './api';
import { CredentialsPage } from './CredentialsPage';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

function passwordProblem(password: string): string | null {
  // Counted in code points, as the API counts characters.
  const length = [...password].length;
  return length < MIN_PASSWORD || length > MAX_PASSWORD
    ? `Choose a password of ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`
    : null;
}

/** Creating an account; `invite` is the token of the invite link it was opened from, if any. */
export function Register({ onLoggedIn, invite }: { onLoggedIn(): Promise<void>; invite?: string | null }) {
  return (
    <CredentialsPage
      title="Create an account"
      notice={invite ? 'You were invited: choose your email and password.' : null}
      emailAutoComplete="email"
      passwordAutoComplete="new-password"
      passwordHint={`At least ${MIN_PASSWORD} characters.`}
      submitLabel="Create account"
      passwordProblem={passwordProblem}
      send={async (email, password) => {
        await api.register(email, password, invite ?? undefined);
        await api.logIn(email, password);
        await onLoggedIn();
      }}
      other={{ question: 'Already have an account?', href: '/login', label: 'Log in' }}
    />
  );
}
