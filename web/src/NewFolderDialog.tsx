import { useAction } from './hooks';
import { joinFolder, nameProblem, parseFolder } from './paths';
import { TextFieldDialog } from './TextFieldDialog';

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
  const action = useAction();

  const open = (typed: string) => {
    const name = typed.trim();
    const problem = nameProblem(name);
    if (problem) return action.setError(problem);
    // A valid name can still make a path the API refuses, e.g. one too long.
    const path = parseFolder(joinFolder(parent, name));
    if (!path.ok) return action.setError(path.problem);
    onOpen(path.value);
  };

  return (
    <TextFieldDialog
      title="New folder"
      label="Folder name"
      hint="The folder opens right away; it is kept once you upload or move a file into it."
      initial=""
      submitLabel="Open folder"
      action={action}
      onSubmit={open}
      onClose={onClose}
    />
  );
}
