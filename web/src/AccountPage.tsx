import { useState } from 'preact/hooks';
import { AccessTokens } from './AccessTokens';
import { api, type Me } from './api';
import { Alert } from './Alert';
import { InputField } from './Field';
import { useAction, useTitle } from './hooks';
import { BackHeader } from './Header';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

interface Props {
  me: Me;
  /** This session ended here (logged out everywhere, or the account deleted), with what to tell. */
  onSignedOut(message: string): void;
}

/** The signed-in person's own account: change the password, log out everywhere, delete it. */
export function AccountPage({ me, onSignedOut }: Props) {
  useTitle('Your account');
  return (
    <div class="page">
      <BackHeader me={me} />
      <main id="main" class="settings stack" tabIndex={-1}>
        <h1>Your account</h1>
        <p class="muted">Signed in as {me.email}.</p>
        <ChangePassword />
        <AccessTokens />
        <LogOutEverywhere onSignedOut={onSignedOut} />
        <DeleteAccount email={me.email} onSignedOut={onSignedOut} />
      </main>
    </div>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setDone('');
    const length = [...next].length;
    if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
      return action.setError(`Choose a new password of ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`);
    }
    void action.run(async () => {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone('Your password was changed. Every other device has been logged out.');
    });
  };
  return (
    <section class="card stack" aria-labelledby="change-password">
      <h2 id="change-password">Change password</h2>
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <InputField
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onValue={setCurrent}
        />
        <InputField
          label="New password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onValue={setNext}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          Change password
        </button>
      </form>
      <p role="status" class="hint">
        {done}
      </p>
    </section>
  );
}

function LogOutEverywhere({ onSignedOut }: Pick<Props, 'onSignedOut'>) {
  const action = useAction();
  const leave = () =>
    void action.run(async () => {
      await api.logOutEverywhere();
      onSignedOut('You have logged out on every device.');
    });
  return (
    <section class="card stack" aria-labelledby="log-out-everywhere">
      <h2 id="log-out-everywhere">Log out everywhere</h2>
      <p class="muted">Ends every session of your account, on every device and API client, this one included.</p>
      <Alert message={action.error} />
      <div>
        <button type="button" onClick={leave} disabled={action.busy}>
          Log out everywhere
        </button>
      </div>
    </section>
  );
}

function DeleteAccount({ email, onSignedOut }: { email: string } & Pick<Props, 'onSignedOut'>) {
  const [typed, setTyped] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const confirmed = typed.trim() === email;
  const submit = (event: Event) => {
    event.preventDefault();
    if (!confirmed) return action.setError('Type your email exactly as shown to confirm.');
    void action.run(async () => {
      await api.deleteAccount(password);
      onSignedOut('Your account and all of its files have been deleted.');
    });
  };
  return (
    <section class="card stack danger-zone" aria-labelledby="delete-account">
      <h2 id="delete-account">Delete account</h2>
      <p class="muted">
        This deletes your account, every file in it and every share link, for good. It cannot be undone.
      </p>
      <Alert message={action.error} />
      <form class="stack" onSubmit={submit}>
        <InputField
          label={`Type ${email} to confirm`}
          type="text"
          autoComplete="off"
          required
          value={typed}
          onValue={setTyped}
        />
        <InputField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <button type="submit" class="danger" disabled={action.busy || !confirmed}>
          Delete my account
        </button>
      </form>
    </section>
  );
}
