import { useState } from 'preact/hooks';
import type { NewShare, ShareCreated } from './api';
import { Dialog } from './Dialog';
import { NewLink } from './NewLink';
import { ShareCreateForm } from './ShareCreateForm';

interface Props {
  title: string;
  /** What the link will give its visitors, in a sentence. */
  description: string;
  /** Makes the link (`POST /shares`, of a folder or of files) with these controls. */
  create(share: NewShare): Promise<ShareCreated>;
  onClose(): void;
}

/**
 * A link to several files at once: the folder in view (live: files added or moved there later
 * are in it) or the files selected. Its visitors get a page listing the files, with Download all.
 */
export function CollectionShareDialog({ title, description, create, onClose }: Props) {
  const [created, setCreated] = useState<ShareCreated | null>(null);
  return (
    <Dialog title={title} onClose={onClose} wide>
      <p class="muted">{description}</p>
      <ShareCreateForm create={create} onCreated={setCreated} />
      {created && <NewLink link={created} />}
    </Dialog>
  );
}
