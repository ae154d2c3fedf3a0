// Whole seconds left until a deadline, ticking once a second; for "try again in N s".
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * @example const [left, start] = useCountdown(); start(30); // left: 30, 29, … 0
 */
export function useCountdown(now: () => number = Date.now): [number, (seconds: number) => void] {
  const [left, setLeft] = useState(0);
  const deadline = useRef(0);
  const start = useCallback(
    (seconds: number) => {
      deadline.current = now() + seconds * 1000;
      setLeft(Math.max(0, Math.ceil(seconds)));
    },
    [now],
  );
  useEffect(() => {
    if (left <= 0) return;
    // Measured against the deadline, so a throttled background tab still shows the truth; and at
    // least one down per tick, so an early timer cannot leave the same value (and stop ticking).
    const timer = window.setTimeout(() => {
      const measured = Math.ceil((deadline.current - now()) / 1000);
      setLeft((previous) => Math.max(0, Math.min(previous - 1, measured)));
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [left, now]);
  return [left, start];
}
