// Checks the catalog's flows for what zod cannot see: dangling operations and dependencies, cycles,
// references to results that will not exist yet, missing path parameters. Run at start-up.
import type { Catalog, FlowConfig } from '@switchboard/shared/catalog';
import type { FlowCallConfig } from '@switchboard/shared/flows';
import {
  findCycle,
  pathPlaceholders,
  resolveOperation,
  suggest,
  type CatalogProblem,
  type Report,
} from '../config/catalog-references';
import { templateRefs } from './flow-template';

/** Steps a step's references may name: earlier sync steps, and for async steps its dependencies (transitively). */
function visibleSteps(flow: FlowConfig, stepName: string): Set<string> {
  const names = Object.keys(flow.steps);
  const visible = new Set<string>();
  const step = flow.steps[stepName];
  if (!step) return visible;
  if (step.mode === 'sync') {
    for (const name of names) {
      if (name === stepName) break;
      if (flow.steps[name]?.mode === 'sync') visible.add(name);
    }
    return visible;
  }
  for (const name of names) if (flow.steps[name]?.mode === 'sync') visible.add(name);
  const stack = [...step.dependsOn];
  while (stack.length > 0) {
    const next = stack.pop() ?? '';
    if (visible.has(next) || !flow.steps[next]) continue;
    visible.add(next);
    stack.push(...(flow.steps[next]?.dependsOn ?? []));
  }
  return visible;
}

function checkCall(
  catalog: Catalog,
  flow: FlowConfig,
  call: FlowCallConfig,
  at: PropertyKey[],
  visible: Set<string>,
  report: Report,
): void {
  const operation = resolveOperation(catalog, call.integration, call.operation, at, report);
  const params = call.params ?? {};
  if (operation) {
    const missing = pathPlaceholders(operation.path).filter((p) => !(p in params));
    if (missing.length > 0)
      report(
        call.params ? [...at, 'params'] : at,
        `the path ${operation.path} needs ${missing.map((m) => `{${m}}`).join(', ')}: add under params`,
        'key',
      );
  }
  const names = Object.keys(flow.steps);
  for (const [where, value] of [
    ['params', call.params],
    ['body', call.body],
  ] as const) {
    for (const ref of templateRefs(value)) {
      const [root, step = ''] = ref.split('.');
      if (root === 'input') continue;
      if (root !== 'steps') {
        report([...at, where], `\${${ref}}: references start with input. or steps.`);
      } else if (!names.includes(step)) {
        report([...at, where], `\${${ref}} names no step of this flow${suggest(step, names)}`);
      } else if (!visible.has(step)) {
        report(
          [...at, where],
          `\${${ref}}: step ${step} has not run yet here (list it under dependsOn, or make it an earlier sync step)`,
        );
      }
    }
  }
}

/**
 * Every problem in the catalog's flows; empty when sound.
 * @example checkFlowReferences(catalog).map((p) => p.message)
 */
export function checkFlowReferences(catalog: Catalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const report: Report = (path, message, at) =>
    problems.push(at ? { path, message, at } : { path, message });
  for (const [flowName, flow] of Object.entries(catalog.flows)) {
    const names = Object.keys(flow.steps);
    const graph = new Map<string, Set<string>>();
    for (const [stepName, step] of Object.entries(flow.steps)) {
      const at = ['flows', flowName, 'steps', stepName];
      graph.set(stepName, new Set(step.dependsOn));
      step.dependsOn.forEach((dep, i) => {
        if (dep === stepName) report([...at, 'dependsOn', i], 'a step cannot depend on itself');
        else if (!names.includes(dep))
          report([...at, 'dependsOn', i], `no step named ${dep}${suggest(dep, names)}`);
        else if (step.mode === 'sync')
          report(
            [...at, 'dependsOn', i],
            'sync steps run in declaration order before any async step: leave dependsOn empty',
          );
      });
      const visible = visibleSteps(flow, stepName);
      checkCall(catalog, flow, step, at, visible, report);
      // The undo may use this step's own result (e.g. the id of what it created).
      if (step.compensate)
        checkCall(
          catalog,
          flow,
          step.compensate,
          [...at, 'compensate'],
          new Set([...visible, stepName]),
          report,
        );
    }
    const cycle = findCycle(graph);
    if (cycle)
      report(['flows', flowName, 'steps'], `steps wait on each other: ${cycle.join(' → ')}`, 'key');
  }
  const flowNames = Object.keys(catalog.flows);
  for (const [source, webhook] of Object.entries(catalog.webhooks)) {
    for (const [eventType, flow] of Object.entries(webhook.flows ?? {})) {
      if (!flowNames.includes(flow))
        report(
          ['webhooks', source, 'flows', eventType],
          `no flow named ${flow}${suggest(flow, flowNames)}`,
        );
    }
  }
  return problems;
}
