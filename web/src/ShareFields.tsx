// The fields that creating and editing a share link have in common.

import { useId } from 'preact/hooks';
import { Field, InputField } from './Field';
import { EXPIRY_CHOICES, MIN_LINK_PASSWORD } from './shareText';

/** The expiry value that leaves an existing link's expiry as it is. */
export const KEEP_EXPIRY = 'keep';

interface ExpiryProps {
  /** An index into EXPIRY_CHOICES, as text, or KEEP_EXPIRY. */
  value: string;
  onValue(value: string): void;
  /** When editing a link: how it expires now, which can be kept. */
  now?: string;
}

export function ExpiryField({ value, onValue, now }: ExpiryProps) {
  const id = useId();
  const hint = now === undefined ? undefined : `Now: ${now.toLowerCase()}.`;
  return (
    <Field id={id} label="Expires" hint={hint}>
      <select
        id={id}
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
      >
        {now !== undefined && <option value={KEEP_EXPIRY}>Keep as it is</option>}
        {EXPIRY_CHOICES.map((choice, index) => (
          <option key={choice.label} value={String(index)}>
            {choice.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

interface TextProps {
  value: string;
  onValue(value: string): void;
}

export function LimitField({ value, onValue }: TextProps) {
  return (
    <InputField
      label="Download limit"
      hint="Empty for no limit."
      type="number"
      min={1}
      step={1}
      inputMode="numeric"
      value={value}
      onValue={onValue}
    />
  );
}

interface PasswordProps extends TextProps {
  /** The link has a password already, which an empty field keeps. */
  replacing?: boolean;
}

export function LinkPasswordField({ value, onValue, replacing }: PasswordProps) {
  return (
    <InputField
      label={replacing ? 'New password (optional)' : 'Password (optional)'}
      hint={
        replacing
          ? 'Empty keeps the current password.'
          : `At least ${MIN_LINK_PASSWORD} characters; asked of everyone who opens the link.`
      }
      type="password"
      autoComplete="new-password"
      value={value}
      onValue={onValue}
    />
  );
}

interface RemoveProps {
  checked: boolean;
  onChecked(checked: boolean): void;
}

/** For a link that has a password: take it away (the password field then goes). */
export function RemovePasswordField({ checked, onChecked }: RemoveProps) {
  const id = useId();
  return (
    <div class="check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChecked(e.currentTarget.checked)} />
      <label for={id}>Remove the password</label>
    </div>
  );
}
