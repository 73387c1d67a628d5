import { useEffect } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type Me } from './api';
import { Browser } from './Browser';
import { readBrowse } from './browseState';
import { AccountPage } from './AccountPage';
import { Header } from './Header';
import { useAction } from './hooks';
import type { Place } from './router';
import type { UploadQueue } from './uploads';

interface Props {
  me: Me;
  place: Place;
  queue: UploadQueue;
  onUsageChanged(): void;
  onLoggedOut(): void;
}

/** The signed-in app: header, and the file browser as the main content. */
export function Drive({ me, place, queue, onUsageChanged, onLoggedOut }: Props) {
  const logOut = useAction();

  useEffect(() => queue.onUsageChanged(onUsageChanged), [queue, onUsageChanged]);

  const leave = () => {
    void logOut.run(async () => {
      // Transfers stop here; direct uploads can be resumed after logging in again.
      queue.stopAll();
      await api.logOut();
      onLoggedOut();
    });
  };

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header me={me} onLogOut={leave} loggingOut={logOut.busy} />
      <main id="main" class="main" tabIndex={-1}>
        <Alert message={logOut.error} />
        {place.path === '/account' ? (
          <AccountPage />
        ) : (
          <Browser state={readBrowse(place.query)} queue={queue} onUsageChanged={onUsageChanged} />
        )}
      </main>
    </>
  );
}
