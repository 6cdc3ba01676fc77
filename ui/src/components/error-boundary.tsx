import { AlertTriangle } from 'lucide-react';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * Keeps a render failure inside its card: a response that strays from the contract breaks the view that
 * reads it, not the whole screen. The message says which view, so the mismatch can be found.
 */
export class ErrorBoundary extends Component<{ name: string; children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`[${this.props.name}]`, error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div
        className="flex items-start gap-2 rounded-md border border-destructive/40 p-3 text-xs text-destructive"
        role="alert"
      >
        <AlertTriangle className="size-4 shrink-0" />
        <div>
          {this.props.name} could not be shown: {this.state.error.message}
          <button type="button" className="ml-2 underline" onClick={() => this.setState({ error: null })}>
            retry
          </button>
        </div>
      </div>
    );
  }
}
