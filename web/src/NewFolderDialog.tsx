import { useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { Dialog, DialogActions } from './Dialog';
import { Field } from './Field';
import { useAction } from './hooks';
import { joinFolder, nameProblem, parseFolder } from './paths';

interface Props {
  parent: string;
  onOpen(folder: string): void;
  onClose(): void;
}

/**
 * Folders exist only while files are in them, so a "new folder" is simply opened: it comes
 * into being with the first file uploaded or moved there.
 */
export function NewFolderDialog({ parent, onOpen, onClose }: Props) {
  const id = useId();
  const [name, setName] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const wanted = name.trim();
    const problem = nameProblem(wanted);
    const path = problem ? null : parseFolder(joinFolder(parent, wanted));
    if (problem || !path?.ok) {
      action.setError(problem ?? (path && !path.ok ? path.problem : 'That name cannot be used.'));
      return;
    }
    onOpen(path.value);
  };

  return (
    <Dialog title="New folder" onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <Alert message={action.error} />
        <Field
          id={`${id}-name`}
          label="Folder name"
          hint="The folder opens right away; it is kept once you upload or move a file into it."
        >
          <input
            id={`${id}-name`}
            type="text"
            required
            autoFocus
            autoComplete="off"
            aria-describedby={`${id}-name-hint`}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <DialogActions>
          <button type="submit" class="primary">
            Open folder
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
