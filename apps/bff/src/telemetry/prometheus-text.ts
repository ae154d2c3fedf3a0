// Test support: a strict parser for the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), so tests read /metrics as a
// scraper would and fail on any line a scraper would refuse.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number, lineText = ''): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus parses values with Go's ParseFloat, which takes NaN in any case; prom-client writes
  // "Nan" (e.g. nodejs_eventloop_lag_mean_seconds before its first sample), and Prometheus reads it.
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: "${text}" is not a sample value (${lineText})`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` starting at `at` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, at: number, line: number) {
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: a label has no "="`);
    const name = text.slice(i, eq);
    if (!labelName.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${line}: label "${name}" appears twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const ch = text[j];
      if (ch === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`line ${line}: bad escape in a label value`);
        j += 2;
      } else {
        value += ch;
        j += 1;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
  return { labels, end: i + 1 };
}

/** The family a sample belongs to: its own name, or a histogram's/summary's with a suffix. */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(name);
  if (own) return own;
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = match?.[1] && families.get(match[1]);
  if (!base) return undefined;
  if (base.type === 'histogram') return base;
  return base.type === 'summary' && match[2] !== 'bucket' ? base : undefined;
}

/**
 * Every family, in order; throws on a malformed line, a sample before its `# TYPE`, or a series
 * that appears twice.
 * @example const families = parsePrometheusText(await res.text()); families.get('up')?.samples
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!meta) return; // a plain comment
      const [, kind, name = '', rest = ''] = meta;
      if (!metricName.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
      const family = families.get(name) ?? { name, type: 'untyped', help: undefined, samples: [] };
      if (kind === 'TYPE') {
        if (!types.has(rest)) throw new Error(`line ${line}: unknown type "${rest}"`);
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE after samples`);
        family.type = rest as MetricType;
      } else {
        if (family.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        family.help = rest;
      }
      families.set(name, family);
      return;
    }
    const brace = raw.indexOf('{');
    const space = raw.indexOf(' ');
    const nameEnd = brace >= 0 && (space < 0 || brace < space) ? brace : space;
    if (nameEnd <= 0) throw new Error(`line ${line}: no sample value`);
    const name = raw.slice(0, nameEnd);
    if (!metricName.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
    const { labels, end } =
      raw[nameEnd] === '{' ? parseLabels(raw, nameEnd, line) : { labels: {}, end: nameEnd };
    if (raw[end] !== ' ') throw new Error(`line ${line}: expected a space before the value`);
    const fields = raw.slice(end + 1).split(' ');
    if (fields.length > 2 || fields[0] === undefined)
      throw new Error(`line ${line}: expected "value [timestamp]"`);
    const value = parseValue(fields[0], line, raw);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1]))
      throw new Error(`line ${line}: bad timestamp`);
    const family = familyOf(name, families);
    if (!family) throw new Error(`line ${line}: sample ${name} has no # TYPE before it`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`line ${line}: series ${series} appears twice`);
    seen.add(series);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; throws unless exactly one. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const matching = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length !== 1 || !matching[0])
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0].value;
}
