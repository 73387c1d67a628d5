import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { Dialog, DialogActions } from './Dialog';
import { InputField } from './Field';
import type { Action } from './hooks';

interface Props {
  title: string;
  label: string;
  hint?: string;
  /** What the field holds when the dialog opens. */
  initial: string;
  /** The part of `initial` selected when the dialog opens: start and end. */
  selection?: [number, number];
  /** Values offered as the person types. */
  suggestions?: string[];
  spellcheck?: boolean;
  submitLabel: string;
  /** The submit's busy and error state: the caller checks what was typed and acts on it. */
  action: Action;
  onSubmit(value: string): void;
  onClose(): void;
}

/** A dialog that asks for one line of text, such as a name or a folder. */
export function TextFieldDialog({
  title,
  label,
  hint,
  initial,
  selection,
  suggestions,
  spellcheck,
  submitLabel,
  action,
  onSubmit,
  onClose,
}: Props) {
  const listId = useId();
  const [value, setValue] = useState(initial);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (selection) input.current?.setSelectionRange(...selection);
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    onSubmit(value);
  };

  return (
    <Dialog title={title} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <Alert message={action.error} />
        <InputField
          inputRef={input}
          label={label}
          hint={hint}
          type="text"
          required
          autoFocus
          autoComplete="off"
          spellcheck={spellcheck}
          list={suggestions && listId}
          value={value}
          onValue={setValue}
        />
        {suggestions && (
          <datalist id={listId}>
            {suggestions.map((suggestion) => (
              <option key={suggestion} value={suggestion} />
            ))}
          </datalist>
        )}
        <DialogActions>
          <button type="submit" class="primary" disabled={action.busy}>
            {submitLabel}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
