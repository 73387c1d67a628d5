import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type FileRecord } from './api';
import { Dialog, DialogActions } from './Dialog';
import { Field } from './Field';
import { useAction } from './hooks';
import { nameProblem } from './paths';

interface Props {
  file: FileRecord;
  onRenamed(file: FileRecord): void;
  onClose(): void;
}

export function RenameDialog({ file, onRenamed, onClose }: Props) {
  const id = useId();
  const [name, setName] = useState(file.name);
  const input = useRef<HTMLInputElement>(null);
  const action = useAction();

  // The name is selected up to its extension, which people rarely mean to change.
  useEffect(() => {
    const dot = file.name.lastIndexOf('.');
    input.current?.setSelectionRange(0, dot > 0 ? dot : file.name.length);
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    const wanted = name.trim();
    const problem = nameProblem(wanted);
    if (problem) {
      action.setError(problem);
      return;
    }
    if (wanted === file.name) {
      onClose();
      return;
    }
    void action.run(async () => onRenamed(await api.updateFile(file.id, { name: wanted })));
  };

  return (
    <Dialog title={`Rename ${file.name}`} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <Alert message={action.error} />
        <Field id={`${id}-name`} label="New name">
          <input
            ref={input}
            id={`${id}-name`}
            type="text"
            required
            autoFocus
            autoComplete="off"
            spellcheck={false}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <DialogActions>
          <button type="submit" class="primary" disabled={action.busy}>
            Rename
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
