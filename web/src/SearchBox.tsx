import { useEffect, useId, useState } from 'preact/hooks';
import { browseHref, type BrowseState } from './browseState';
import { useDebounced } from './hooks';
import { navigate } from './router';

const SEARCH_DELAY_MS = 300;

/** Searches all folders as the person types, once they pause. */
export function SearchBox({ state }: { state: BrowseState }) {
  const id = useId();
  const [text, setText] = useState(state.q);
  const settled = useDebounced(text, SEARCH_DELAY_MS);

  // The URL changed under the box (back, forward, a folder link): show its search.
  useEffect(() => {
    if (state.q !== text.trim()) setText(state.q);
  }, [state.q]);

  useEffect(() => {
    const q = settled.trim();
    if (q === state.q) return;
    // Starting or ending a search is a step back can return to; refining it is not.
    navigate(browseHref({ ...state, q }), { replace: q !== '' && state.q !== '' });
  }, [settled]);

  return (
    <div class="search">
      <label for={id} class="visually-hidden">
        Search files
      </label>
      <input
        id={id}
        type="search"
        placeholder="Search all files"
        autoComplete="off"
        spellcheck={false}
        maxLength={255}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
    </div>
  );
}
