import type { ComponentChildren } from 'preact';

interface Props {
  id: string;
  label: string;
  /** Help shown under the label; the control should name it in aria-describedby as `${id}-hint`. */
  hint?: string;
  children: ComponentChildren;
}

/** A labelled form control. */
export function Field({ id, label, hint, children }: Props) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {children}
    </div>
  );
}
