import { api, type FileRecord, type Folder } from './api';
import { useAction } from './hooks';
import { crumbs, parseFolder } from './paths';
import { TextFieldDialog } from './TextFieldDialog';

interface Props {
  file: FileRecord;
  /** Folders to suggest: the ones in view. */
  nearby: Folder[];
  onMoved(file: FileRecord): void;
  onClose(): void;
}

export function MoveDialog({ file, nearby, onMoved, onClose }: Props) {
  const action = useAction();
  const suggestions = [...new Set([...crumbs(file.folder).map((c) => c.path), ...nearby.map((f) => f.path)])];

  const move = (typed: string) => {
    const parsed = parseFolder(typed);
    if (!parsed.ok) return action.setError(parsed.problem);
    if (parsed.value === file.folder) return onClose();
    void action.run(async () => onMoved(await api.updateFile(file.id, { folder: parsed.value })));
  };

  return (
    <TextFieldDialog
      title={`Move ${file.name}`}
      label="Folder"
      hint="A path such as /projects/2025. Folders that do not exist yet are created."
      initial={file.folder}
      suggestions={suggestions}
      spellcheck={false}
      submitLabel="Move"
      action={action}
      onSubmit={move}
      onClose={onClose}
    />
  );
}
