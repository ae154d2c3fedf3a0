// Reads a V8 heap snapshot and lists what there is about one of (or more) per connection: object
// groups (type and constructor/name) with at least n/2 members, their bytes per connection, and for
// the largest, one retainer chain, to show what keeps them alive.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export function summariseSnapshot(
  file: string,
  n: number,
  chains = 8,
  focus: string[] = [],
): string {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map(
    (k) => meta.node_fields.indexOf(k),
  ) as [number, number, number, number];
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((k) =>
    meta.edge_fields.indexOf(k),
  ) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const label = (i: number) => {
    const type = nodeTypes[nodes[i * nf + typeAt] ?? 0] ?? '?';
    const name = strings[nodes[i * nf + nameAt] ?? 0] ?? '';
    return type === 'object' || type === 'closure' || type === 'native'
      ? `${type}:${name.slice(0, 60)}`
      : type;
  };
  const groups = new Map<string, { count: number; bytes: number; sample: number }>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    const key = label(i);
    const size = nodes[i * nf + sizeAt] ?? 0;
    total += size;
    const g = groups.get(key) ?? { count: 0, bytes: 0, sample: i };
    g.count += 1;
    g.bytes += size;
    g.sample = i;
    groups.set(key, g);
  }
  // First retainer of every node (ignoring weak edges), for chains.
  const retainer = new Int32Array(count).fill(-1);
  const retainerEdge = new Int32Array(count).fill(-1);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const edgeCount = nodes[i * nf + edgeCountAt] ?? 0;
    for (let k = 0; k < edgeCount; k++, e += ef) {
      const type = edgeTypes[edges[e + eTypeAt] ?? 0];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = (edges[e + eToAt] ?? 0) / nf;
      if (retainer[to] === -1) {
        retainer[to] = i;
        retainerEdge[to] = e;
      }
    }
  }
  const edgeName = (at: number) => {
    const type = edgeTypes[edges[at + eTypeAt] ?? 0];
    const v = edges[at + eNameAt] ?? 0;
    return type === 'element' || type === 'hidden' ? `[${v}]` : (strings[v] ?? String(v));
  };
  const chainOf = (i: number) => {
    const parts: string[] = [];
    for (let at = i, depth = 0; at > 0 && depth < 14; depth++) {
      const from = retainer[at] ?? -1;
      if (from < 0) break;
      parts.push(`${edgeName(retainerEdge[at] ?? 0)} <- ${label(from)}`);
      at = from;
    }
    return parts.join('\n      ');
  };
  // Strings by value: a string held once per connection shows up here.
  const byValue = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < count; i++) {
    const type = nodeTypes[nodes[i * nf + typeAt] ?? 0];
    if (type !== 'string' && type !== 'concatenated string' && type !== 'sliced string') continue;
    const key = `${type}:${(strings[nodes[i * nf + nameAt] ?? 0] ?? '').slice(0, 50)}`;
    const v = byValue.get(key) ?? { count: 0, bytes: 0 };
    v.count += 1;
    v.bytes += nodes[i * nf + sizeAt] ?? 0;
    byValue.set(key, v);
  }
  const perConnection = [...groups.entries()]
    .filter(([, g]) => g.count >= n / 2)
    .sort((a, b) => b[1].bytes - a[1].bytes);
  const lines = [
    `heap ${(total / 1024 / 1024).toFixed(1)} MB in ${count} nodes; groups with >= ${n / 2} members:`,
  ];
  let sum = 0;
  for (const [key, g] of perConnection.slice(0, 40)) {
    sum += g.bytes;
    lines.push(
      `  ${(g.bytes / n).toFixed(0).padStart(6)} B/conn  ${(g.count / n).toFixed(2).padStart(6)}/conn  ${key}`,
    );
  }
  lines.push(`  top 40 sum: ${(sum / n / 1024).toFixed(2)} KB/conn`);
  lines.push('  strings held about once per connection or more:');
  for (const [key, v] of [...byValue.entries()]
    .filter(([, v]) => v.count >= n / 2)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 15))
    lines.push(
      `  ${(v.bytes / n).toFixed(0).padStart(6)} B/conn  ${(v.count / n).toFixed(2).padStart(6)}/conn  ${JSON.stringify(key)}`,
    );
  for (const key of focus) {
    const g = groups.get(key);
    if (g) lines.push(`  chain of ${key}:\n      ${chainOf(g.sample)}`);
  }
  for (const [key, g] of perConnection.slice(0, chains))
    lines.push(`  chain of ${key}:\n      ${chainOf(g.sample)}`);
  return lines.join('\n');
}

/** Object groups that grew by at least n/2 members between two snapshots, bytes per connection. */
export function diffSnapshots(beforeFile: string, afterFile: string, n: number): string {
  const groupsOf = (file: string) => {
    const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    const { meta } = snap.snapshot;
    const nf = meta.node_fields.length;
    const typeAt = meta.node_fields.indexOf('type');
    const nameAt = meta.node_fields.indexOf('name');
    const sizeAt = meta.node_fields.indexOf('self_size');
    const groups = new Map<string, { count: number; bytes: number }>();
    for (let i = 0; i < snap.nodes.length / nf; i++) {
      const type = meta.node_types[0][snap.nodes[i * nf + typeAt] ?? 0] ?? '?';
      const name = snap.strings[snap.nodes[i * nf + nameAt] ?? 0] ?? '';
      const key =
        type === 'object' || type === 'closure' || type === 'native'
          ? `${type}:${name.slice(0, 60)}`
          : type;
      const g = groups.get(key) ?? { count: 0, bytes: 0 };
      g.count += 1;
      g.bytes += snap.nodes[i * nf + sizeAt] ?? 0;
      groups.set(key, g);
    }
    return groups;
  };
  const before = groupsOf(beforeFile);
  const after = groupsOf(afterFile);
  const rows = [...after.entries()]
    .map(([key, g]) => {
      const b = before.get(key) ?? { count: 0, bytes: 0 };
      return { key, count: (g.count - b.count) / n, bytes: (g.bytes - b.bytes) / n };
    })
    .filter((r) => Math.abs(r.bytes) >= 16)
    .sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  return [
    `growth per connection: ${(total / 1024).toFixed(2)} KB`,
    ...rows
      .slice(0, 45)
      .map(
        (r) =>
          `  ${r.bytes.toFixed(0).padStart(6)} B/conn  ${r.count.toFixed(2).padStart(6)}/conn  ${r.key}`,
      ),
  ].join('\n');
}
