import { api, type FileRecord } from './api';
import { useAction } from './hooks';
import { nameProblem } from './paths';
import { TextFieldDialog } from './TextFieldDialog';

interface Props {
  file: FileRecord;
  onRenamed(file: FileRecord): void;
  onClose(): void;
}

export function RenameDialog({ file, onRenamed, onClose }: Props) {
  const action = useAction();
  // The name is selected up to its extension, which people rarely mean to change.
  const dot = file.name.lastIndexOf('.');

  const rename = (typed: string) => {
    const wanted = typed.trim();
    const problem = nameProblem(wanted);
    if (problem) return action.setError(problem);
    if (wanted === file.name) return onClose();
    void action.run(async () => onRenamed(await api.updateFile(file.id, { name: wanted })));
  };

  return (
    <TextFieldDialog
      title={`Rename ${file.name}`}
      label="New name"
      initial={file.name}
      selection={[0, dot > 0 ? dot : file.name.length]}
      spellcheck={false}
      submitLabel="Rename"
      action={action}
      onSubmit={rename}
      onClose={onClose}
    />
  );
}
