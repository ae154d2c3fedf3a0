// Fills a flow step's params and body from the run's input and earlier steps' results:
// `${input.email}`, `${steps.create-user.id}`. A string that is one reference keeps the value's type.
const REF = /\$\{([^{}]*)\}/g;
const WHOLE_REF = /^\$\{([^{}]*)\}$/;

/** What references resolve against. */
export interface TemplateScope {
  input: unknown;
  steps: Readonly<Record<string, unknown>>;
}

/** A reference with no value: the payload cannot be built as the flow declares it. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** The `${...}` references in `value` (strings anywhere in it), for checking at start-up. */
export function templateRefs(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(REF)].map((m) => m[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(templateRefs);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(templateRefs);
  return [];
}

function lookup(ref: string, scope: TemplateScope): unknown {
  const [root, ...rest] = ref.split('.');
  let path = rest;
  let current: unknown;
  if (root === 'input') current = scope.input;
  else if (root === 'steps') {
    const [step = '', ...tail] = rest;
    if (!(step in scope.steps)) throw new TemplateError(`\${${ref}}: step ${step} has no result`);
    current = scope.steps[step];
    path = tail;
  } else throw new TemplateError(`\${${ref}}: start with input. or steps.`);
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(key in current))
      throw new TemplateError(`\${${ref}} has no value`);
    current = (current as Record<string, unknown>)[key];
  }
  if (current === undefined) throw new TemplateError(`\${${ref}} has no value`);
  return current;
}

/**
 * @example fillTemplate({ to: '${input.email}' }, { input: { email: 'a@b.c' }, steps: {} }) // { to: 'a@b.c' }
 */
export function fillTemplate(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_REF.exec(value);
    if (whole) return lookup(whole[1] ?? '', scope);
    return value.replace(REF, (_, ref: string) => {
      const found = lookup(ref, scope);
      return typeof found === 'string' ? found : JSON.stringify(found);
    });
  }
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, scope));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, scope)]));
  return value;
}

/** Path params are strings: a reference to a number becomes its text. */
export function fillParams(
  params: Record<string, string> | undefined,
  scope: TemplateScope,
): Record<string, string> | undefined {
  if (!params) return undefined;
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => {
      const filled = fillTemplate(v, scope);
      return [k, typeof filled === 'string' ? filled : JSON.stringify(filled)];
    }),
  );
}
