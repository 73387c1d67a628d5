import { useState } from 'preact/hooks';
import { Alert } from './Alert';
import { CardPage } from './CardPage';
import { InputField } from './Field';
import { useAction, useTitle } from './hooks';
import { followLink } from './router';

interface Props {
  /** The page's heading and document title. */
  title: string;
  /** Why the person is here, e.g. their session ended. */
  notice?: string | null;
  /** How password managers tell logging in from signing up. */
  emailAutoComplete: 'username' | 'email';
  passwordAutoComplete: 'current-password' | 'new-password';
  passwordHint?: string;
  submitLabel: string;
  /** What is wrong with the password before anything is sent, or null. */
  passwordProblem?(password: string): string | null;
  /** Sends the email, trimmed, and the password; a failure is shown above the form. */
  send(email: string, password: string): Promise<void>;
  /** The way to the other page, e.g. "New here?" and a link to create an account. */
  other: { question: string; href: string; label: string };
}

/** A page with an email and password form: logging in, or creating an account. */
export function CredentialsPage({
  title,
  notice,
  emailAutoComplete,
  passwordAutoComplete,
  passwordHint,
  submitLabel,
  passwordProblem,
  send,
  other,
}: Props) {
  useTitle(title);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const problem = passwordProblem?.(password);
    if (problem) return action.setError(problem);
    void action.run(() => send(email.trim(), password));
  };

  return (
    <CardPage>
      <h1>{title}</h1>
      {notice && <p class="notice">{notice}</p>}
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <InputField label="Email" type="email" autoComplete={emailAutoComplete} required value={email} onValue={setEmail} />
        <InputField
          label="Password"
          hint={passwordHint}
          type="password"
          autoComplete={passwordAutoComplete}
          required
          value={password}
          onValue={setPassword}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          {submitLabel}
        </button>
      </form>
      <p class="muted">
        {other.question}{' '}
        <a href={other.href} onClick={followLink}>
          {other.label}
        </a>
      </p>
    </CardPage>
  );
}
