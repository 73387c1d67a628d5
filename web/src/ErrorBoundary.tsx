import { Component, type ComponentChildren } from 'preact';
import { CardPage } from './CardPage';

interface State {
  failed: boolean;
}

/** A bug in a view shows a way out instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, State> {
  override state: State = { failed: false };

  override componentDidCatch(error: unknown): void {
    console.error(error);
    this.setState({ failed: true });
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <CardPage>
        <h1>Something went wrong</h1>
        <p class="error" role="alert">
          This page ran into a problem. Your files are safe; reloading usually helps.
        </p>
        <a class="button primary" href="/">
          Reload
        </a>
      </CardPage>
    );
  }
}
