import { render } from 'preact';
import { App } from './App';
import { ErrorBoundary } from './ErrorBoundary';

const root = document.getElementById('app');
if (root) {
  render(
    <ErrorBoundary>
      <App />
    </ErrorBoundary>,
    root,
  );
}
