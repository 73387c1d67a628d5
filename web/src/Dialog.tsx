import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  title: string;
  onClose(): void;
  children: ComponentChildren;
  wide?: boolean;
}

/**
 * A modal `<dialog>`: showModal() traps focus and closes on Esc; unmounting it closes it.
 * Focus goes back to whatever opened it, or to the main content if that is gone (a deleted
 * file's row).
 */
export function Dialog({ title, onClose, children, wide }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement;
    const closed = () => onCloseRef.current();
    dialog.addEventListener('close', closed);
    dialog.showModal();
    const restoreOthers = hideOthers(dialog);
    return () => {
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      restoreOthers();
      // Once the DOM update that removed the dialog is done, and only if focus is lost: the
      // browser may have put it back already, or the view moved it on (a folder just opened).
      requestAnimationFrame(() => {
        const current = document.activeElement;
        if (current && current !== document.body && current.isConnected) return;
        const target = opener instanceof HTMLElement && opener.isConnected ? opener : document.getElementById('main');
        target?.focus();
      });
    };
  }, []);

  return (
    <dialog ref={ref} class={wide ? 'dialog dialog-wide' : 'dialog'} aria-labelledby={headingId}>
      <h2 id={headingId} class="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

/**
 * Hides everything outside `element` from the accessibility tree. showModal() already makes
 * it inert, but tools that walk the accessibility tree (and older screen readers) look at
 * aria-hidden.
 */
function hideOthers(element: Element): () => void {
  const hidden: Element[] = [];
  for (let node: Element | null = element; node && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement?.children ?? []) {
      if (sibling !== node && !sibling.hasAttribute('aria-hidden') && !(sibling instanceof HTMLScriptElement)) {
        sibling.setAttribute('aria-hidden', 'true');
        hidden.push(sibling);
      }
    }
  }
  return () => {
    for (const sibling of hidden) sibling.removeAttribute('aria-hidden');
  };
}

/** A dialog's row of buttons: the main action first in reading order. */
export function DialogActions({ children }: { children: ComponentChildren }) {
  return <div class="dialog-actions">{children}</div>;
}
