// Flows in the catalog are checked at start-up with messages that say where and what is wrong.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../config/catalog-parse';
import { ConfigError } from '../config/config';
import { fillTemplate, TemplateError } from './flow-template';

const catalog = (flows: unknown, webhooks: unknown = {}) =>
  JSON.stringify(
    {
      integrations: {
        users: {
          baseUrl: 'https://users.example.com',
          operations: {
            create: { method: 'POST', path: '/v1/users' },
            delete: { method: 'DELETE', path: '/v1/users/{id}' },
          },
        },
        email: {
          baseUrl: 'https://email.example.com',
          operations: { send: { method: 'POST', path: '/v1/messages' } },
        },
      },
      flows,
      webhooks,
    },
    null,
    2,
  );

const problems = (text: string): string[] => {
  try {
    parseCatalog(text, 'flows.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('flow checks at start-up', () => {
  it('accepts a sound flow', () => {
    expect(
      problems(
        catalog({
          signup: {
            steps: {
              'create-user': {
                integration: 'users',
                operation: 'create',
                mode: 'sync',
                critical: true,
                body: { email: '${input.email}' },
                compensate: {
                  integration: 'users',
                  operation: 'delete',
                  params: { id: '${steps.create-user.id}' },
                },
              },
              welcome: {
                integration: 'email',
                operation: 'send',
                body: { to: '${input.email}', user: '${steps.create-user.id}' },
              },
            },
          },
        }),
      ),
    ).toEqual([]);
  });

  it('names dangling operations, dependencies, early references, cycles and missing params', () => {
    const found = problems(
      catalog(
        {
          signup: {
            steps: {
              a: { integration: 'users', operation: 'creat', dependsOn: ['b'] },
              b: {
                integration: 'email',
                operation: 'send',
                dependsOn: ['a', 'zz'],
                body: { x: '${steps.c.id}' },
              },
              c: {
                integration: 'users',
                operation: 'delete',
                body: { y: '${steps.b.id}', z: '${nope.x}' },
              },
            },
          },
        },
        { pay: { scheme: 'github', secretsEnv: ['GH'], flows: { push: 'signupp' } } },
      ),
    );
    const text = found.join('\n');
    expect(text).toMatch(
      /flows\.signup\.steps\.a\.operation: users has no operation creat \(did you mean create\?\)/,
    );
    expect(text).toMatch(/flows\.signup\.steps\.b\.dependsOn\[1\]: no step named zz/);
    expect(text).toMatch(/\$\{steps\.c\.id\}: step c has not run yet here/);
    expect(text).toMatch(/flows\.signup\.steps\.c: the path \/v1\/users\/\{id\} needs \{id\}/);
    expect(text).toMatch(/\$\{nope\.x\}: references start with input\. or steps\./);
    expect(text).toMatch(/steps wait on each other: a → b → a|steps wait on each other: b → a → b/);
    expect(text).toMatch(
      /webhooks\.pay\.flows\.push: no flow named signupp \(did you mean signup\?\)/,
    );
    // Each problem carries the file position.
    for (const line of found) expect(line).toMatch(/^flows\.json:\d+:\d+ /);
  });

  it('refuses dependsOn on a sync step', () => {
    const found = problems(
      catalog({
        f: {
          steps: {
            a: { integration: 'email', operation: 'send' },
            b: { integration: 'users', operation: 'create', mode: 'sync', dependsOn: ['a'] },
          },
        },
      }),
    );
    expect(found.join('\n')).toMatch(/sync steps run in declaration order/);
  });
});

describe('fillTemplate', () => {
  const scope = { input: { name: 'Ada', n: 3 }, steps: { 'create-user': { id: 'usr_1' } } };
  it('keeps the type of a whole reference and interpolates inside text', () => {
    expect(
      fillTemplate(
        { n: '${input.n}', t: 'Hi ${input.name} (${steps.create-user.id})', k: [1] },
        scope,
      ),
    ).toEqual({ n: 3, t: 'Hi Ada (usr_1)', k: [1] });
  });
  it('throws a TemplateError for a missing value', () => {
    expect(() => fillTemplate('${input.missing}', scope)).toThrow(TemplateError);
    expect(() => fillTemplate('${steps.other.id}', scope)).toThrow(/step other has no result/);
  });
});
