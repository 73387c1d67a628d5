import { api } from './api';
import { CredentialsPage } from './CredentialsPage';

interface Props {
  onLoggedIn(): Promise<void>;
  /** Why the person is here, e.g. their session ended. */
  notice: string | null;
}

export function Login({ onLoggedIn, notice }: Props) {
  return (
    <CredentialsPage
      title="Log in"
      notice={notice}
      emailAutoComplete="username"
      passwordAutoComplete="current-password"
      submitLabel="Log in"
      send={async (email, password) => {
        await api.logIn(email, password);
        await onLoggedIn();
      }}
      other={{ question: 'New here?', href: '/register', label: 'Create an account' }}
    />
  );
}
