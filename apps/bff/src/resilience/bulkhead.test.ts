// Bulkhead behaviour: slots, the queue, overflow and aborts while queued.
import { describe, expect, it } from 'vitest';
import { createBulkhead } from './bulkhead';
import { UpstreamError } from './upstream-error';

/** A call that stays in flight until `finish()`; `started` says whether it got a slot. */
function gate<T>(value: T) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const call = {
    started: false,
    fn: async () => {
      call.started = true;
      await opened;
      return value;
    },
    finish: () => open(),
  };
  return call;
}
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('bulkhead', () => {
  it('runs maxConcurrent calls, queues maxQueue, and refuses the rest at once', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const calls = [gate('a'), gate('b'), gate('c')];
    const running = calls.map((c) => bulkhead.execute(c.fn));
    expect(calls.map((c) => c.started)).toEqual([true, true, false]);
    expect(bulkhead.snapshot()).toEqual({ active: 2, queued: 1, maxConcurrent: 2, maxQueue: 1 });

    const overflow = bulkhead.execute(() => Promise.resolve('d'));
    await expect(overflow).rejects.toBeInstanceOf(UpstreamError);
    await expect(overflow).rejects.toMatchObject({ kind: 'bulkhead_full' });

    calls[0]?.finish();
    await expect(running[0]).resolves.toBe('a');
    await turn();
    expect(calls[2]?.started).toBe(true);
    expect(bulkhead.snapshot()).toMatchObject({ active: 2, queued: 0 });
    calls[1]?.finish();
    calls[2]?.finish();
    await expect(Promise.all(running)).resolves.toEqual(['a', 'b', 'c']);
    expect(bulkhead.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('serves the queue first come, first served', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const order: string[] = [];
    const first = gate('first');
    const running = [bulkhead.execute(first.fn)];
    for (const name of ['q1', 'q2']) {
      running.push(
        bulkhead.execute(() => {
          order.push(name);
          return Promise.resolve(name);
        }),
      );
    }
    // Arrives the moment the first call's slot is handed on: it joins the back of the queue.
    const late = running[0]?.then(() =>
      bulkhead.execute(() => {
        order.push('late');
        return Promise.resolve('late');
      }),
    );
    first.finish();
    await Promise.all([...running, late]);
    expect(order).toEqual(['q1', 'q2', 'late']);
  });

  it('frees the slot when the call fails', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 0 });
    const failure = new UpstreamError('http_5xx', '500');
    await expect(bulkhead.execute(() => Promise.reject(failure))).rejects.toBe(failure);
    await expect(bulkhead.execute(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('takes a queued call whose signal aborts out of the queue, rejecting with the reason', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const first = gate('first');
    const running = bulkhead.execute(first.fn);
    const controller = new AbortController();
    const abandoned = gate('abandoned');
    const queued = bulkhead.execute(abandoned.fn, controller.signal);
    const behind = gate('behind');
    const waiting = bulkhead.execute(behind.fn);
    expect(bulkhead.snapshot().queued).toBe(2);

    const reason = new UpstreamError('cancelled', 'client went away');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    expect(bulkhead.snapshot()).toMatchObject({ active: 1, queued: 1 });

    // The place it left is free again, and the call behind it still gets the slot.
    const another = bulkhead.execute(() => Promise.resolve('another'));
    first.finish();
    await running;
    await turn();
    expect(abandoned.started).toBe(false);
    expect(behind.started).toBe(true);
    behind.finish();
    await expect(waiting).resolves.toBe('behind');
    await expect(another).resolves.toBe('another');
    expect(bulkhead.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('rejects with the reason, without running, when the signal has already aborted', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    let ran = false;
    await expect(
      bulkhead.execute(() => {
        ran = true;
        return Promise.resolve();
      }, controller.signal),
    ).rejects.toBe(reason);
    expect(ran).toBe(false);
    expect(bulkhead.snapshot().active).toBe(0);
  });

  it('passes the caller’s signal to the call', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 0 });
    const controller = new AbortController();
    await expect(
      bulkhead.execute((signal) => Promise.resolve(signal), controller.signal),
    ).resolves.toBe(controller.signal);
  });
});
