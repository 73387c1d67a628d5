import { CardPage } from './CardPage';
import { useTitle } from './hooks';
import { followLink } from './router';

export function NotFound() {
  useTitle('Page not found');
  return (
    <CardPage>
      <h1>Page not found</h1>
      <p class="muted">There is nothing at this address. It may have been mistyped or moved.</p>
      <p>
        <a href="/" onClick={followLink}>
          Go to your files
        </a>
      </p>
    </CardPage>
  );
}
