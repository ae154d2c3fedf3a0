// The loading and failed states every data view shows the same way.
import type { ReactNode } from 'react';

export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="placeholder" aria-busy="true">
      {children}
    </p>
  );
}

/** The server's own message (it says what went wrong) and a way to try again. */
export function LoadError({
  what,
  error,
  onRetry,
}: {
  what: string;
  error: Error;
  onRetry: () => void;
}) {
  return (
    <div className="error-state" role="alert">
      <p>
        Could not load {what}: {error.message}
      </p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="placeholder">{children}</p>;
}
