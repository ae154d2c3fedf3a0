// Test support: run something that must fail with an UpstreamError, and hand that error back.
import { isUpstreamError, type UpstreamError } from './upstream-error';

/** @example expect((await catchUpstreamError(() => call())).kind).toBe('timeout'); */
export async function catchUpstreamError(run: () => unknown): Promise<UpstreamError> {
  try {
    await run();
  } catch (err) {
    if (isUpstreamError(err)) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}
