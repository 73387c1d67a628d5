/**
 * An error message in a live region that is always in the page, so screen readers announce
 * each new message (a region inserted together with its text is often missed).
 */
export function Alert({ message }: { message: string | null }) {
  return <div role="alert">{message && <p class="error">{message}</p>}</div>;
}
