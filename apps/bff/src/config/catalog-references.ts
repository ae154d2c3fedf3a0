// Checks a schema-valid catalog for what zod cannot see: dangling names, path placeholders, unsafe URLs.
import type { Catalog, IntegrationConfig } from '@switchboard/shared/catalog';
import { hostEntryCovers, parseHostEntry } from '../upstreams/egress-guard';
import { addressRefusal, classifyIp } from '../upstreams/ip-ranges';

export interface CatalogProblem {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  /** Point at the key rather than its value (unknown fields, bad names). */
  at?: 'key' | 'value';
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SOURCE_REF = /\$\{([^{}]*)\}/g;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The `{name}` placeholders of an operation path, in order. */
export function pathPlaceholders(path: string): string[] {
  return [...path.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/**
 * Every cross-reference problem in a catalog that already passed CatalogSchema; empty when sound.
 * @example checkCatalogReferences(catalog).map((p) => p.message)
 */
export function checkCatalogReferences(catalog: Catalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const report = (path: PropertyKey[], message: string, at?: 'key') =>
    problems.push(at ? { path, message, at } : { path, message });

  for (const [name, integration] of Object.entries(catalog.integrations)) {
    checkIntegration(catalog, name, integration, report);
  }

  const ruleNames = new Set<string>();
  catalog.alerts.forEach((rule, i) => {
    if (ruleNames.has(rule.name))
      report(['alerts', i, 'name'], `another rule is named ${rule.name}`);
    ruleNames.add(rule.name);
    if (rule.integration !== undefined && !(rule.integration in catalog.integrations)) {
      report(
        ['alerts', i, 'integration'],
        `no integration named ${rule.integration}${suggest(rule.integration, Object.keys(catalog.integrations))}`,
      );
    }
  });

  for (const [viewName, view] of Object.entries(catalog.views)) {
    const sourceIds = Object.keys(view.sources);
    const dependsOn = new Map<string, Set<string>>();
    for (const [sourceId, source] of Object.entries(view.sources)) {
      const at = ['views', viewName, 'sources', sourceId];
      const deps = new Set<string>();
      dependsOn.set(sourceId, deps);
      const operation = resolveOperation(catalog, source.integration, source.operation, at, report);

      const placeholders = operation ? pathPlaceholders(operation.path) : [];
      const params = source.params ?? {};
      if (operation) {
        const missing = placeholders.filter((p) => !(p in params));
        if (missing.length > 0) {
          report(
            source.params ? [...at, 'params'] : at,
            `the path ${operation.path} needs ${missing.map((m) => `{${m}}`).join(', ')}: add ${missing.length > 1 ? 'them' : 'it'} under params`,
            'key',
          );
        }
      }
      for (const [param, value] of Object.entries(params)) {
        if (operation && !placeholders.includes(param)) {
          report(
            [...at, 'params', param],
            `the path ${operation.path} has no {${param}} placeholder`,
            'key',
          );
        }
        for (const match of value.matchAll(SOURCE_REF)) {
          const ref = match[1] ?? '';
          const other = ref.split('.', 1)[0] ?? '';
          if (other === sourceId) {
            report([...at, 'params', param], `\${${ref}} refers to this source itself`);
          } else if (!sourceIds.includes(other)) {
            report(
              [...at, 'params', param],
              `\${${ref}} names no source of view ${viewName}${suggest(other, sourceIds)}`,
            );
          } else deps.add(other);
        }
      }
    }
    const cycle = findCycle(dependsOn);
    if (cycle) {
      report(
        ['views', viewName, 'sources'],
        `sources wait on each other: ${cycle.join(' → ')}`,
        'key',
      );
    }
  }
  return problems;
}

export type Report = (path: PropertyKey[], message: string, at?: 'key') => void;

function checkIntegration(
  catalog: Catalog,
  name: string,
  integration: IntegrationConfig,
  report: Report,
): void {
  const at = ['integrations', name];
  const base = new URL(integration.baseUrl);
  if (base.username !== '' || base.password !== '') {
    // The URL itself is not echoed: it holds a credential.
    report(
      [...at, 'baseUrl'],
      'credentials in the URL are not allowed: configure auth with a secret environment variable',
    );
  }
  if (base.search !== '' || base.hash !== '') {
    report([...at, 'baseUrl'], 'a baseUrl may not have a query string or fragment');
  }
  const range = classifyIp(base.hostname);
  const refusal = range && addressRefusal(range, integration.allowPrivateNetwork);
  if (refusal) {
    report(
      [...at, 'baseUrl'],
      `${base.hostname} is ${refusal}: every call would be refused unless allowPrivateNetwork is true`,
    );
  }

  if (integration.allowedHosts) {
    const entries = integration.allowedHosts.map((entry, i) => {
      const parsed = parseHostEntry(entry, base.protocol);
      if (!parsed) {
        report(
          [...at, 'allowedHosts', i],
          'not a host name: use host, host:port or *.domain (no scheme or path)',
        );
      }
      return parsed;
    });
    if (!entries.some((e) => e && hostEntryCovers(e, base.hostname))) {
      report([...at, 'allowedHosts'], `must include the baseUrl's host ${base.hostname}`);
    }
  }

  if (integration.tls && base.protocol !== 'https:') {
    report([...at, 'tls'], 'tls settings need an https baseUrl');
  }

  const auth = integration.auth;
  if (auth.type === 'oauth2-client-credentials') {
    const token = new URL(auth.tokenUrl);
    if (token.username !== '' || token.password !== '') {
      report([...at, 'auth', 'tokenUrl'], 'credentials in the URL are not allowed');
    }
    if (token.protocol !== 'https:' && !integration.allowPrivateNetwork) {
      report(
        [...at, 'auth', 'tokenUrl'],
        'use https: the client secret travels on this request (http is accepted only with allowPrivateNetwork, for local test servers)',
      );
    }
  }
  if (auth.type === 'hmac') {
    const headers = {
      signatureHeader: auth.signatureHeader,
      timestampHeader: auth.timestampHeader,
      nonceHeader: auth.nonceHeader,
    };
    for (const [field, header] of Object.entries(headers)) {
      if (!HEADER_NAME.test(header)) {
        report([...at, 'auth', field], 'not a valid HTTP header name');
      }
    }
    if (new Set(Object.values(headers).map((h) => h.toLowerCase())).size < 3) {
      report([...at, 'auth'], 'signatureHeader, timestampHeader and nonceHeader must differ');
    }
  }

  const operationNames = Object.keys(integration.operations);
  if (integration.healthCheck && !(integration.healthCheck.operation in integration.operations)) {
    report(
      [...at, 'healthCheck', 'operation'],
      `${name} has no operation ${integration.healthCheck.operation}${suggest(integration.healthCheck.operation, operationNames)}`,
    );
  }

  for (const [opName, operation] of Object.entries(integration.operations)) {
    const opAt = [...at, 'operations', opName];
    for (const placeholder of pathPlaceholders(operation.path)) {
      if (!PLACEHOLDER_NAME.test(placeholder)) {
        report(
          [...opAt, 'path'],
          `{${placeholder}} is not a placeholder name (letters, digits and _)`,
        );
      }
    }
    if (/[{}]/.test(operation.path.replace(PLACEHOLDER, ''))) {
      report([...opAt, 'path'], 'unbalanced { or } in the path');
    }
    const fallback = operation.fallback;
    if (fallback && 'integration' in fallback) {
      if (fallback.integration === name && fallback.operation === opName) {
        report([...opAt, 'fallback'], 'an operation cannot be its own fallback');
      } else {
        resolveOperation(
          catalog,
          fallback.integration,
          fallback.operation,
          [...opAt, 'fallback'],
          report,
        );
      }
    }
  }
}

/** The named operation, or `undefined` after reporting which of the two names dangles. */
export function resolveOperation(
  catalog: Catalog,
  integrationName: string,
  operationName: string,
  at: PropertyKey[],
  report: Report,
) {
  const integration = catalog.integrations[integrationName];
  if (!integration) {
    report(
      [...at, 'integration'],
      `no integration named ${integrationName}${suggest(integrationName, Object.keys(catalog.integrations))}`,
    );
    return undefined;
  }
  const operation = integration.operations[operationName];
  if (!operation) {
    report(
      [...at, 'operation'],
      `${integrationName} has no operation ${operationName}${suggest(operationName, Object.keys(integration.operations))}`,
    );
  }
  return operation;
}

/** A cycle in the "waits for" graph, as the ids along it, or `undefined`. */
export function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    const seen = trail.indexOf(id);
    if (seen >= 0) return [...trail.slice(seen), id];
    if (done.has(id)) return undefined;
    for (const next of graph.get(id) ?? []) {
      const cycle = visit(next, [...trail, id]);
      if (cycle) return cycle;
    }
    done.add(id);
    return undefined;
  };
  for (const id of graph.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** ` (did you mean x?)` for a near miss, else ` (known: a, b, c)`. */
export function suggest(name: string, known: string[]): string {
  if (known.length === 0) return '';
  const near = known
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter((c) => c.d <= Math.max(1, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  if (near) return ` (did you mean ${near.k}?)`;
  const list = known.slice(0, 8).join(', ');
  return ` (known: ${list}${known.length > 8 ? ', …' : ''})`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
