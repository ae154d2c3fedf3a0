// Compiles a declared view into an execution plan: which sources wait for which, and how their
// parameters are filled from earlier results. Cycles and unknown references are refused up front.
import type { ViewConfig } from '@switchboard/shared/catalog';

const reference = /\$\{([a-z][a-z0-9-]*)((?:\.[^.}]+)*)\}/g;

export interface PlannedSource {
  id: string;
  integration: string;
  operation: string;
  params: Record<string, string>;
  /** Ids of sources whose data this one's params read. */
  dependsOn: string[];
}

export interface ViewPlan {
  name: string;
  deadlineMs: number;
  sources: PlannedSource[];
}

/** @throws Error naming the view and source when a reference is unknown or the graph has a cycle. */
export function planView(name: string, view: ViewConfig): ViewPlan {
  const ids = new Set(Object.keys(view.sources));
  const sources = Object.entries(view.sources).map(([id, source]): PlannedSource => {
    const params = source.params ?? {};
    const dependsOn = new Set<string>();
    for (const value of Object.values(params)) {
      for (const match of value.matchAll(reference)) {
        const target = match[1] ?? '';
        if (!ids.has(target))
          throw new Error(
            `view ${name}, source ${id}: \${${target}…} names no source of this view`,
          );
        if (target === id)
          throw new Error(`view ${name}, source ${id}: a source cannot read its own result`);
        dependsOn.add(target);
      }
    }
    return {
      id,
      integration: source.integration,
      operation: source.operation,
      params,
      dependsOn: [...dependsOn],
    };
  });
  assertAcyclic(name, sources);
  return { name, deadlineMs: view.deadlineMs, sources };
}

function assertAcyclic(view: string, sources: PlannedSource[]) {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw new Error(
        `view ${view}: sources depend on each other in a cycle: ${[...path, id].join(' → ')}`,
      );
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep, [...path, id]);
    state.set(id, 'done');
  };
  for (const s of sources) visit(s.id, []);
}

/**
 * Fills `${source.path}` references from earlier results' data.
 * @returns undefined for a reference that resolves to nothing (the source is then skipped).
 */
export function resolveParams(
  params: Record<string, string>,
  data: ReadonlyMap<string, unknown>,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(params)) {
    let missing = false;
    out[key] = template.replace(reference, (_whole, id: string, path: string) => {
      let value: unknown = data.get(id);
      for (const part of path.split('.').slice(1)) {
        value =
          value !== null && typeof value === 'object'
            ? (value as Record<string, unknown>)[part]
            : undefined;
      }
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        return String(value);
      missing = true;
      return '';
    });
    if (missing) return undefined;
  }
  return out;
}
