// Reads the two profiles promotion-sample.mjs writes and lists the allocation sites whose objects
// were promoted and then died (A − B), with the stack that allocated them.
// `npx tsx profile/promotion-report.ts [dir] [top]`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  callFrame: Frame;
  id: number;
  selfSize: number;
  children: Node[];
}
interface Profile {
  head: Node;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

const [dir = '/tmp/promotion-sample', top = '25'] = process.argv.slice(2);
const load = (name: string) =>
  JSON.parse(readFileSync(join(dir, `${name}.heapprofile`), 'utf8')) as Profile;

/** Bytes per allocating stack (the innermost frames that are ours or a library's, not node's). */
function bySite(profile: Profile): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: Node, stack: Frame[]) => {
    const here = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      const frames = here
        .filter((f) => f.url !== '' || f.functionName !== '')
        .slice(-6)
        .map(
          (f) =>
            `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/')}:${f.lineNumber + 1}`,
        );
      const key = frames.reverse().join('\n      < ');
      sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  return sites;
}

const promoted = bySite(load('promoted'));
const live = bySite(load('live'));
const rows = [...promoted.entries()]
  .map(([site, bytes]) => ({ site, bytes: bytes - (live.get(site) ?? 0) }))
  .filter((r) => r.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log(`promoted, then dead: ${(total / 1024).toFixed(0)} KB sampled`);
for (const r of rows.slice(0, Number(top)))
  console.log(`${(r.bytes / 1024).toFixed(1).padStart(8)} KB  ${r.site}`);
