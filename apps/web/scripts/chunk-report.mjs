// What each route downloads before it shows: the entry, the route's chunk and everything they import
// statically, gzipped. Run after `vite build`: `node scripts/chunk-report.mjs`.
/* global console -- a Node script, outside the root scripts/ folder that lint knows as Node */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

/** The route chunks, by the source file each one starts from. */
const routes = {
  'sign-in': 'src/features/auth/components/sign-in-page.tsx',
  overview: 'src/features/integrations/components/overview-page.tsx',
  integration: 'src/features/integrations/components/integration-detail-page.tsx',
  'admin/users': 'src/features/admin/components/users-page.tsx',
  'admin/sessions': 'src/features/admin/components/sessions-page.tsx',
  'admin/audit': 'src/features/admin/components/audit-page.tsx',
};
/** Every signed-in route also needs the page frame. */
const frame = 'src/app/signed-in-layout.tsx';

function closure(keys, seen = new Set()) {
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    closure(manifest[key]?.imports ?? [], seen);
  }
  return seen;
}

// Level 9, as static hosts precompress; shown as kB (1000 bytes) and KiB (1024).
const gzipBytes = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);

for (const [route, source] of Object.entries(routes)) {
  const chunks = closure([entry, source, ...(route === 'sign-in' ? [] : [frame])]);
  const files = [...chunks].map((key) => manifest[key].file);
  const total = files.reduce((sum, file) => sum + gzipBytes(file), 0);
  const kB = (total / 1000).toFixed(1).padStart(6);
  const KiB = (total / 1024).toFixed(1).padStart(6);
  console.log(`${route.padEnd(16)} ${kB} kB (${KiB} KiB) gzip in ${files.length} JS files`);
}
