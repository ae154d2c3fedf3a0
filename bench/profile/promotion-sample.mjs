// Profiling aid: which allocation sites' objects outlive the young generation without being needed
// (promoted, then garbage: what makes old space grow between full GCs). Loaded into a server with
// `--expose-gc --import ./profile/promotion-sample.mjs`. SIGWINCH starts V8's sampling heap
// profiler, keeping the samples of objects a full GC collects (those a scavenge collects are
// dropped as usual). SIGHUP runs two young-generation GCs, then two full GCs, and takes the
// profile: what was allocated since, and is either live or was promoted and then died
// (promoted.heapprofile). It then samples again the usual way for as long, and takes that profile
// after two full GCs: what was allocated in that time and is live (live.heapprofile). The
// difference is the promoted garbage (promotion-report.ts). Both go to PROMOTION_SAMPLE_DIR
// (default /tmp/promotion-sample); then `promotion-sample done` on stdout.
/* global process, gc, performance, setTimeout */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.PROMOTION_SAMPLE_DIR ?? '/tmp/promotion-sample';
const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

let started = 0;
process.on('SIGWINCH', () => {
  started = performance.now();
  void post('HeapProfiler.startSampling', {
    samplingInterval: 2048,
    includeObjectsCollectedByMajorGC: true,
  });
});
process.on('SIGHUP', () => {
  void (async () => {
    mkdirSync(dir, { recursive: true });
    // Young garbage goes first, to young-generation GCs (dropped from the profile), so that the
    // full GCs that follow collect only what had reached old space.
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    gc();
    gc();
    const promoted = await post('HeapProfiler.getSamplingProfile');
    await post('HeapProfiler.stopSampling');
    const span = performance.now() - started;
    await post('HeapProfiler.startSampling', { samplingInterval: 2048 });
    await new Promise((resolve) => setTimeout(resolve, span));
    gc();
    gc();
    const live = await post('HeapProfiler.getSamplingProfile');
    await post('HeapProfiler.stopSampling');
    writeFileSync(join(dir, 'promoted.heapprofile'), JSON.stringify(promoted.profile));
    writeFileSync(join(dir, 'live.heapprofile'), JSON.stringify(live.profile));
    process.stdout.write('promotion-sample done\n');
  })();
});
