// Client-side navigation over the History API: the URL (path and query) is the state of
// the app, so reload, back and forward all work and every view can be linked to.

import { useEffect, useState } from 'preact/hooks';

export interface Place {
  path: string;
  query: URLSearchParams;
}

const NAVIGATED = 'edgedrop:navigate';

function currentPlace(): Place {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = new URL(to, location.href);
  if (target.href === location.href) return;
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current place, re-rendering on every navigation (ours, or the browser's back and forward). */
export function usePlace(): Place {
  const [place, setPlace] = useState(currentPlace);
  useEffect(() => {
    const update = () => setPlace(currentPlace());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return place;
}

/**
 * The click handler of in-app links (`<a href onClick={followLink}>`): navigates without a
 * page load, but leaves new-tab and download clicks to the browser.
 */
export function followLink(event: MouseEvent): void {
  const link = event.currentTarget;
  if (!(link instanceof HTMLAnchorElement)) return;
  const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
  if (event.defaultPrevented || event.button !== 0 || modified || link.target || link.hasAttribute('download')) {
    return;
  }
  if (link.origin !== location.origin) return;
  event.preventDefault();
  navigate(link.href);
}
