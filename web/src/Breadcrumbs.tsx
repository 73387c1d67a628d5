import { folderHref, type BrowseState } from './browseState';
import { crumbs } from './paths';
import { followLink } from './router';

export function Breadcrumbs({ state }: { state: BrowseState }) {
  const trail = crumbs(state.folder);
  return (
    <nav aria-label="Breadcrumb" class="breadcrumbs">
      <ol>
        {trail.map((crumb, index) => (
          <li key={crumb.path}>
            <a
              href={folderHref(state, crumb.path)}
              onClick={followLink}
              aria-current={index === trail.length - 1 && !state.q ? 'page' : undefined}
            >
              {crumb.name}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
