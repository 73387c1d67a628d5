import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Files dropped anywhere on the page. Returns whether files are being dragged over it, to
 * show where they will go. Dropped folders are left out (the browser gives no bytes for
 * them); `onFolders` hears how many were.
 */
export function useFileDrop(onFiles: (files: File[]) => void, onFolders: (count: number) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const handlers = useRef({ onFiles, onFolders });
  handlers.current = { onFiles, onFolders };

  useEffect(() => {
    // dragenter and dragleave fire for every element crossed: count them to know when the drag left the page.
    let depth = 0;
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event) || !event.dataTransfer) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files: File[] = [];
      let folders = 0;
      for (const item of event.dataTransfer.items) {
        if (item.kind !== 'file') continue;
        if (item.webkitGetAsEntry?.()?.isDirectory) {
          folders += 1;
          continue;
        }
        const file = item.getAsFile();
        if (file) files.push(file);
      }
      if (folders > 0) handlers.current.onFolders(folders);
      if (files.length > 0) handlers.current.onFiles(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return dragging;
}
