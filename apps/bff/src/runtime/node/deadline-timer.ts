// Calls back at a deadline on the monotonic clock with sub-millisecond precision, without spinning.
// `setTimeout` counts whole milliseconds from libuv's millisecond loop clock and wakes from a poll
// whose timeout is whole milliseconds too, so "after 20 ms" comes 20 to ~21 ms after the call
// depending on where in its millisecond the loop was; the sandbox's fixed latency is meant to be
// exactly that latency. A worker thread sleeps in `Atomics.wait` (a futex with a microsecond
// timeout) until the earliest deadline and wakes the event loop with one message; the loop then
// runs every task that is due. The worker is plain JavaScript evaluated from a string, so it loads
// the same way under tsx, vitest and a build.
import { Worker } from 'node:worker_threads';

/** Milliseconds on CLOCK_MONOTONIC (the same clock in every thread and process of the machine). */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

export interface DeadlineTimer {
  /** Runs `task` once `monotonicMs()` has reached `deadline` (at once if it has). */
  at(deadline: number, task: () => void): void;
  /** Stops the worker; tasks still pending run at their deadline on `setTimeout` instead. */
  close(): Promise<void>;
}

// ctl[0]: a sequence number bumped on every re-arm (what the worker waits on);
// armed[0]: the deadline to wake at (0: none; -1: exit).
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const ctl = new Int32Array(workerData, 0, 1);
const armed = new Float64Array(workerData, 8, 1);
const now = () => { const [s, ns] = process.hrtime(); return s * 1e3 + ns / 1e6; };
for (;;) {
  const seq = Atomics.load(ctl, 0);
  const deadline = armed[0];
  if (deadline === -1) break;
  const left = deadline === 0 ? Infinity : deadline - now();
  if (left > 0) {
    Atomics.wait(ctl, 0, seq, left);
    continue;
  }
  parentPort.postMessage(deadline);
  // Until the event loop has run what is due and armed the next deadline.
  Atomics.wait(ctl, 0, seq);
}
`;

interface Pending {
  deadline: number;
  task: () => void;
}

/** @example const timer = createDeadlineTimer(); timer.at(monotonicMs() + 20, answer); */
export function createDeadlineTimer(): DeadlineTimer {
  const shared = new SharedArrayBuffer(16);
  const ctl = new Int32Array(shared, 0, 1);
  const armed = new Float64Array(shared, 8, 1);
  /** In deadline order. */
  const pending: Pending[] = [];
  let worker: Worker | undefined = new Worker(workerSource, { eval: true, workerData: shared });
  worker.unref();

  const arm = (deadline: number) => {
    armed[0] = deadline;
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  };
  const runDue = () => {
    const now = monotonicMs();
    let due = 0;
    while (due < pending.length && (pending[due]?.deadline ?? Infinity) <= now) due += 1;
    const tasks = pending.splice(0, due);
    if (worker) {
      arm(pending[0]?.deadline ?? 0);
      // Like a timer, a pending deadline keeps the process alive; none, and the worker does not.
      if (pending.length === 0) worker.unref();
    }
    for (const { task } of tasks) task();
  };
  /**
   * Without a worker (closed, or it failed): `setTimeout` in whole milliseconds, checked against
   * the monotonic clock when it fires (it counts from the loop's clock, which can be behind, so
   * it may fire early) and set again for what is left: never early.
   */
  const later = (deadline: number, task: () => void) => {
    setTimeout(
      () => (monotonicMs() >= deadline ? task() : later(deadline, task)),
      Math.max(0, Math.ceil(deadline - monotonicMs())),
    );
  };
  const fallBack = () => {
    worker = undefined;
    for (const { deadline, task } of pending.splice(0)) later(deadline, task);
  };
  worker.on('message', runDue);
  worker.on('error', fallBack);
  worker.on('exit', fallBack);

  return {
    at(deadline, task) {
      if (!worker) {
        later(deadline, task);
        return;
      }
      // Binary search for the first later deadline: equal deadlines run in arrival order.
      let lo = 0;
      let hi = pending.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((pending[mid]?.deadline ?? Infinity) <= deadline) lo = mid + 1;
        else hi = mid;
      }
      if (pending.length === 0) worker.ref();
      pending.splice(lo, 0, { deadline, task });
      if (lo === 0) arm(deadline);
    },
    async close() {
      const running = worker;
      if (!running) return;
      // Held while it exits, or a process with nothing else to do would not wait for it.
      running.ref();
      arm(-1);
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      await exited;
    },
  };
}
