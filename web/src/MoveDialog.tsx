import { useId, useState } from 'preact/hooks';
import { Alert } from './Alert';
import { api, type FileRecord, type Folder } from './api';
import { Dialog, DialogActions } from './Dialog';
import { Field } from './Field';
import { useAction } from './hooks';
import { crumbs, parseFolder } from './paths';

interface Props {
  file: FileRecord;
  /** Folders to suggest: the ones in view. */
  nearby: Folder[];
  onMoved(file: FileRecord): void;
  onClose(): void;
}

export function MoveDialog({ file, nearby, onMoved, onClose }: Props) {
  const id = useId();
  const [folder, setFolder] = useState(file.folder);
  const action = useAction();
  const suggestions = [...new Set([...crumbs(file.folder).map((c) => c.path), ...nearby.map((f) => f.path)])];

  const submit = (event: Event) => {
    event.preventDefault();
    const parsed = parseFolder(folder);
    if (!parsed.ok) {
      action.setError(parsed.problem);
      return;
    }
    if (parsed.value === file.folder) {
      onClose();
      return;
    }
    void action.run(async () => onMoved(await api.updateFile(file.id, { folder: parsed.value })));
  };

  return (
    <Dialog title={`Move ${file.name}`} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <Alert message={action.error} />
        <Field
          id={`${id}-folder`}
          label="Folder"
          hint="A path such as /projects/2025. Folders that do not exist yet are created."
        >
          <input
            id={`${id}-folder`}
            type="text"
            required
            autoFocus
            autoComplete="off"
            spellcheck={false}
            list={`${id}-suggestions`}
            aria-describedby={`${id}-folder-hint`}
            value={folder}
            onInput={(e) => setFolder(e.currentTarget.value)}
          />
        </Field>
        <datalist id={`${id}-suggestions`}>
          {suggestions.map((path) => (
            <option key={path} value={path} />
          ))}
        </datalist>
        <DialogActions>
          <button type="submit" class="primary" disabled={action.busy}>
            Move
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
