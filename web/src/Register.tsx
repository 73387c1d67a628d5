import { useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api } from './api';
import { CardPage } from './CardPage';
import { Field } from './Field';
import { useAction, useTitle } from './hooks';
import { followLink } from './router';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export function Register({ onLoggedIn }: { onLoggedIn(): Promise<void> }) {
  useTitle('Create an account');
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    // Counted in code points, as the API counts characters.
    const length = [...password].length;
    if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
      action.setError(`Choose a password of ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`);
      return;
    }
    void action.run(async () => {
      await api.register(email.trim(), password);
      await api.logIn(email.trim(), password);
      await onLoggedIn();
    });
  };

  return (
    <CardPage>
      <h1>Create an account</h1>
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <Field id={`${id}-email`} label="Email">
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id={`${id}-password`} label="Password" hint={`At least ${MIN_PASSWORD} characters.`}>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            required
            aria-describedby={`${id}-password-hint`}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          Create account
        </button>
      </form>
      <p class="muted">
        Already have an account?{' '}
        <a href="/login" onClick={followLink}>
          Log in
        </a>
      </p>
    </CardPage>
  );
}
