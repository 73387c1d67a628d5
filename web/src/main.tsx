import { render } from 'preact';
import { App } from './App';
import { ErrorBoundary } from './ErrorBoundary';
import { GuestUploadPage } from './GuestUploadPage';

/** An upload request's link is a page of its own: a guest has no session, and no app around it. */
const guestToken = /^\/request\/([^/]+)$/.exec(location.pathname)?.[1];

const root = document.getElementById('app');
if (root) {
  render(
    <ErrorBoundary>
      {guestToken ? <GuestUploadPage token={decodeURIComponent(guestToken)} /> : <App />}
    </ErrorBoundary>,
    root,
  );
}
