import { useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type FileRecord } from './api';
import { Dialog, DialogActions } from './Dialog';
import { formatDate } from './format';
import { useAction } from './hooks';

/** The lifetimes offered, in days from now; 0: the file never expires. */
const CHOICES: [string, number][] = [
  ['Never', 0],
  ['In 1 day', 1],
  ['In 7 days', 7],
  ['In 30 days', 30],
  ['In 90 days', 90],
];

interface Props {
  file: FileRecord;
  onChanged(file: FileRecord): void;
  onClose(): void;
}

/** When the file deletes itself (with its links): `PATCH /files/{id} {expires_at}`. */
export function ExpiryDialog({ file, onChanged, onClose }: Props) {
  const [choice, setChoice] = useState('0');
  const action = useAction();

  const save = (event: Event) => {
    event.preventDefault();
    const days = CHOICES[Number(choice)]?.[1] ?? 0;
    const expires_at = days === 0 ? null : new Date(Date.now() + days * 86_400_000).toISOString();
    void action.run(async () => onChanged(await api.updateFile(file.id, { expires_at })));
  };

  return (
    <Dialog title={`Expiry of ${file.name}`} onClose={onClose}>
      <form class="stack" onSubmit={save}>
        <Alert message={action.error} />
        <p>
          {file.expires_at
            ? `It expires ${formatDate(file.expires_at)}: then it is deleted, with its links.`
            : 'It never expires.'}
        </p>
        <div class="field">
          <label for="expiry-choice">Delete it</label>
          <select id="expiry-choice" value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
            {CHOICES.map(([label], index) => (
              <option key={label} value={String(index)}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <DialogActions>
          <button type="submit" class="primary" disabled={action.busy}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
