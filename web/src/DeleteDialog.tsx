import { Alert } from './Alert';
import { api, type FileRecord } from './api';
import { Dialog, DialogActions } from './Dialog';
import { useAction } from './hooks';

interface Props {
  file: FileRecord;
  onDeleted(file: FileRecord): void;
  onClose(): void;
}

export function DeleteDialog({ file, onDeleted, onClose }: Props) {
  const action = useAction();
  const confirm = () => {
    void action.run(async () => {
      await api.deleteFile(file.id);
      onDeleted(file);
    });
  };
  return (
    <Dialog title={`Delete ${file.name}?`} onClose={onClose}>
      <div class="stack">
        <Alert message={action.error} />
        <p>The file and all its share links will be deleted. This cannot be undone.</p>
        <DialogActions>
          <button type="button" class="danger" onClick={confirm} disabled={action.busy}>
            Delete
          </button>
          {/* Focused first: the safe choice is the one Enter picks. */}
          <button type="button" onClick={onClose} autoFocus>
            Cancel
          </button>
        </DialogActions>
      </div>
    </Dialog>
  );
}
