// Short-lived notices after an action ("User created", "Could not …"), announced to screen readers.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';

export type ToastKind = 'success' | 'error';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

export interface Toaster {
  show: (kind: ToastKind, message: string) => void;
}

const ToastContext = createContext<Toaster | null>(null);

/** Long enough to read a sentence; errors stay until dismissed. */
const successMs = 5_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, number>());

  const dismiss = useCallback((id: number) => {
    window.clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const toaster = useMemo<Toaster>(
    () => ({
      show(kind, message) {
        const id = nextId.current++;
        setToasts((list) => [...list.slice(-4), { id, kind, message }]);
        if (kind === 'success')
          timers.current.set(
            id,
            window.setTimeout(() => dismiss(id), successMs),
          );
      },
    }),
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) window.clearTimeout(timer);
    };
  }, []);

  return (
    <ToastContext.Provider value={toaster}>
      {children}
      {/* Always rendered, so assistive technology is already listening when a toast arrives. */}
      <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast--${toast.kind}`}>
            <span>{toast.message}</span>
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** @example const toast = useToast(); toast.show('success', 'User created'); */
export function useToast(): Toaster {
  const toaster = useContext(ToastContext);
  if (!toaster) throw new Error('useToast must be used inside <ToastProvider>');
  return toaster;
}
