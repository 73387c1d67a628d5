import { useId } from 'preact/hooks';
import { browseHref, SORT_CHOICES, type BrowseState } from './browseState';
import { navigate } from './router';

export function SortSelect({ state }: { state: BrowseState }) {
  const id = useId();
  const change = (value: string) => {
    const choice = SORT_CHOICES.find((c) => `${c.sort}:${c.order}` === value);
    if (choice) navigate(browseHref({ ...state, sort: choice.sort, order: choice.order }));
  };
  return (
    <div class="sort">
      <label for={id}>Sort by</label>
      <select id={id} value={`${state.sort}:${state.order}`} onChange={(e) => change(e.currentTarget.value)}>
        {SORT_CHOICES.map((choice) => (
          <option key={choice.label} value={`${choice.sort}:${choice.order}`}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
