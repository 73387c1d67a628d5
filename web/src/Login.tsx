import { useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api } from './api';
import { CardPage } from './CardPage';
import { Field } from './Field';
import { useAction, useTitle } from './hooks';
import { followLink } from './router';

interface Props {
  onLoggedIn(): Promise<void>;
  /** Why the person is here, e.g. their session ended. */
  notice: string | null;
}

export function Login({ onLoggedIn, notice }: Props) {
  useTitle('Log in');
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.logIn(email.trim(), password);
      await onLoggedIn();
    });
  };

  return (
    <CardPage>
      <h1>Log in</h1>
      {notice && <p class="notice">{notice}</p>}
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <Field id={`${id}-email`} label="Email">
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id={`${id}-password`} label="Password">
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Log in
        </button>
      </form>
      <p class="muted">
        New here?{' '}
        <a href="/register" onClick={followLink}>
          Create an account
        </a>
      </p>
    </CardPage>
  );
}
