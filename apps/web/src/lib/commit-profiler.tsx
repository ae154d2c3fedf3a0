// For the console benchmark's profiling build only (`vite build --mode profile`): records every React
// commit into `window.__switchboardCommits`, which bench/console.ts reads through Playwright.
import { Profiler, type ProfilerOnRenderCallback, type ReactNode } from 'react';

export interface CommitRecord {
  phase: 'mount' | 'update' | 'nested-update';
  /** Time spent rendering the committed tree (ms), memoised parts skipped. */
  actualDuration: number;
  /** What rendering the whole tree without memoisation would cost (ms). */
  baseDuration: number;
  /** performance.now() when React began rendering this update. */
  startTime: number;
  /** performance.now() when React committed it. */
  commitTime: number;
}

declare global {
  interface Window {
    __switchboardCommits?: CommitRecord[];
  }
}

const recordCommit: ProfilerOnRenderCallback = (
  _id,
  phase,
  actualDuration,
  baseDuration,
  startTime,
  commitTime,
) => {
  (window.__switchboardCommits ??= []).push({
    phase,
    actualDuration,
    baseDuration,
    startTime,
    commitTime,
  });
};

/** Wraps the whole app; React calls `onRender` only in a profiling build of react-dom. */
export function CommitProfiler({ children }: { children: ReactNode }) {
  return (
    <Profiler id="console" onRender={recordCommit}>
      {children}
    </Profiler>
  );
}
