// Parses catalog text (YAML or JSON) and validates it, naming every problem by field path and line:column.
import { CatalogSchema, type Catalog } from '@switchboard/shared/catalog';
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type ParsedNode,
} from 'yaml';
import type { z } from 'zod';
import { checkFlowReferences } from '../flows/flow-references';
import { checkCatalogReferences, type CatalogProblem } from './catalog-references';
import { ConfigError } from './config';

type Path = ReadonlyArray<PropertyKey>;

/**
 * Parses and validates a catalog. Throws a ConfigError listing every problem as
 * `file:line:col path: message`, sorted by position — schema problems first, then (only when the
 * schema holds) cross-references between integrations, operations and views.
 * @example parseCatalog(readFileSync(path, 'utf8'), path).integrations.payments?.baseUrl
 */
export function parseCatalog(text: string, fileName: string): Catalog {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages span several lines with a code excerpt; we want one line each.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const fail = (problems: Array<{ offset: number; text: string }>): never => {
    problems.sort((a, b) => a.offset - b.offset);
    throw new ConfigError(
      problems.map((p) => p.text),
      `Invalid configuration file ${fileName}`,
    );
  };

  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((e) => ({
        offset: e.pos[0],
        text: `${where(e.pos[0])} YAML syntax: ${firstLine(e.message)}`,
      })),
    );
  }

  let data: unknown;
  try {
    // The default alias limit stops "billion laughs" expansion.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail([{ offset: 0, text: `${where(0)} YAML: ${firstLine(errorMessage(err))}` }]);
  }
  if (data === null || data === undefined) {
    return fail([
      { offset: 0, text: `${where(0)} the file is empty: declare at least \`integrations:\`` },
    ]);
  }

  const locate = (problem: CatalogProblem) => {
    const offset = locateOffset(doc, problem.path, problem.at ?? 'value');
    const path = formatPath(problem.path);
    return { offset, text: `${where(offset)} ${path}${path ? ': ' : ''}${problem.message}` };
  };

  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) return fail(parsed.error.issues.flatMap(toProblems).map(locate));
  const problems = [...checkCatalogReferences(parsed.data), ...checkFlowReferences(parsed.data)];
  if (problems.length > 0) return fail(problems.map(locate));
  return parsed.data;
}

/** Turns one zod issue into problems with plain-language messages, one per offending field. */
function toProblems(issue: z.core.$ZodIssue): CatalogProblem[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      // Each unknown key gets its own line pointing at the key itself. The value is never printed:
      // an unknown field is where a pasted secret would most likely sit.
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: 'unknown field',
        at: 'key',
      }));
    case 'invalid_key':
      return [
        {
          path,
          message: `invalid name: ${issue.issues.map((i) => i.message).join('; ')}`,
          at: 'key',
        },
      ];
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) {
        return [{ path, message: `required field is missing (expected ${issue.expected})` }];
      }
      return [{ path, message: issue.message }];
    case 'invalid_union': {
      if (issue.errors.length === 0) return [{ path, message: issue.message }];
      // Report the form that came closest, so the message says what to fix rather than "Invalid input".
      const closest = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
      const hints = closest.map((i) => {
        const sub = formatPath(i.path);
        const message =
          i.code === 'unrecognized_keys' ? `unknown field ${i.keys.join(', ')}` : i.message;
        return sub ? `${sub}: ${message}` : message;
      });
      return [{ path, message: `matches none of the accepted forms (${hints.join('; ')})` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

/** `integrations.payments.allowedHosts[1]` */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/**
 * Finds where a path points in the source. A path that runs out (a missing field) points at the
 * key of the deepest object that exists, which is where the field should be added.
 */
function locateOffset(doc: Document.Parsed, path: Path, at: 'key' | 'value'): number {
  let node: ParsedNode | null = doc.contents;
  let offset = node?.range[0] ?? 0;
  let parentKeyOffset = offset;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (node && isAlias(node)) node = (node.resolve(doc) as ParsedNode | undefined) ?? null;
    if (node && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) return parentKeyOffset;
      const keyOffset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      const value = pair.value;
      offset = last && at === 'key' ? keyOffset : (value?.range[0] ?? keyOffset);
      parentKeyOffset = keyOffset;
      node = value;
    } else if (node && isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) return parentKeyOffset;
      offset = item.range[0];
      parentKeyOffset = offset;
      node = item;
    } else {
      return parentKeyOffset;
    }
  }
  return offset;
}

const firstLine = (message: string) => message.split('\n', 1)[0] ?? message;
const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
