import type { ComponentChildren, InputHTMLAttributes, Ref } from 'preact';
import { useId } from 'preact/hooks';

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

type InputFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'value' | 'onInput' | 'ref'> & {
  label: string;
  hint?: string;
  value: string;
  onValue(value: string): void;
  /** Function components get no `ref` in Preact, hence its own name. */
  inputRef?: Ref<HTMLInputElement>;
};

/** A labelled `<input>` whose hint is read out with it; other props go to the input. */
export function InputField({ label, hint, value, onValue, inputRef, ...input }: InputFieldProps) {
  const id = useId();
  return (
    <Field id={id} label={label} hint={hint}>
      <input
        {...input}
        ref={inputRef}
        id={id}
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </Field>
  );
}
