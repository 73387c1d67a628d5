import { useState } from 'preact/hooks';
import { api, type ShareCreated } from './api';
import { Dialog } from './Dialog';
import { NewShareLink } from './NewShareLink';
import { folderName } from './paths';
import { ShareCreateForm } from './ShareCreateForm';

interface Props {
  folder: string;
  onClose(): void;
}

/**
 * A link to the folder in view and everything below it, live: files added or moved there later
 * are in it. Its visitors get a page listing the files, with Download all (one .zip).
 */
export function FolderShareDialog({ folder, onClose }: Props) {
  const [created, setCreated] = useState<ShareCreated | null>(null);
  return (
    <Dialog title={`Share ${folderName(folder)}`} onClose={onClose} wide>
      <p class="muted">
        Anyone with the link sees the files of this folder and its sub-folders as they are when they open it, and can
        download them one by one or all at once.
      </p>
      <ShareCreateForm create={(share) => api.shareFolder(folder, share)} onCreated={setCreated} />
      {created && <NewShareLink share={created} />}
    </Dialog>
  );
}
