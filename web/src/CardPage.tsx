import type { ComponentChildren } from 'preact';

/** A page with one centred card: the look of the Worker's public share page, which uses the same classes. */
export function CardPage({ children }: { children: ComponentChildren }) {
  return (
    <div class="page-centered">
      <main id="main" class="card" tabIndex={-1}>
        <p class="brand">edgedrop</p>
        {children}
      </main>
    </div>
  );
}
