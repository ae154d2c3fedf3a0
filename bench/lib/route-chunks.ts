// What a route downloads before it can show: the entry chunk, the route's own chunks and everything
// they import statically, read from a Vite build's manifest and gzipped at level 9 (as static hosts
// precompress). Lazy (dynamic) imports are left out: they load later, on demand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';

const ManifestSchema = z.record(
  z.string(),
  z.object({
    file: z.string(),
    isEntry: z.boolean().optional(),
    imports: z.array(z.string()).optional(),
  }),
);

export interface RouteChunks {
  /** Gzipped bytes of every JavaScript file the route needs at first. */
  gzipBytes: number;
  rawBytes: number;
  files: string[];
}

/**
 * @param sources the route's source modules as the manifest names them (its page, its layout).
 * @returns undefined when a source is not in this build (e.g. a page that does not exist yet).
 * @example initialJavaScript('apps/web/dist', ['src/features/auth/components/sign-in-page.tsx'])
 */
export function initialJavaScript(dist: string, sources: string[]): RouteChunks | undefined {
  const manifest = ManifestSchema.parse(
    JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')),
  );
  const entry = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
  if (!entry) throw new Error(`no entry chunk in ${dist}/.vite/manifest.json`);
  if (sources.some((source) => !(source in manifest))) return undefined;
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  for (const key of [entry, ...sources]) visit(key);
  const files = [...seen]
    .flatMap((key) => manifest[key]?.file ?? [])
    .filter((f) => f.endsWith('.js'));
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(join(dist, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { gzipBytes, rawBytes, files };
}
