/**
 * The control API's OpenAPI document, checked against the routes it describes: every route is in it with a
 * stable operationId, its schemas, an example that matches them, the errors it can answer, and a `servers` entry;
 * and a client generator (openapi-typescript) turns it into types with one method per operation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import openapiTS, { astToString } from 'openapi-typescript';
import { strictSchema } from '../../testing/control-spec.js';
import { Harness } from '../../testing/harness.js';
import { CONTROL_OPERATIONS, operationKey } from './operations.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: Json; example?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json; example?: unknown }> }>;
}

/**
 * Every `METHOD /path/{param}` of the app, read from Fastify's route tree (`printRoutes`): each line is a segment,
 * indented under its parent, with its methods in parentheses.
 */
function registeredRoutes(tree: string): string[] {
  const found: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ├└─]*)(\S[^(]*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length;
    while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
    const path = (stack.at(-1)?.path ?? '') + (match[2] ?? '');
    stack.push({ depth, path });
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      found.push(operationKey(method, path.replace(/:([A-Za-z_]+)/g, '{$1}')));
    }
  }
  return found;
}

let h: Harness;
let document: {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};
/** Every route the control API registers, as the document names it: `METHOD /path/{param}`. */
const routes = new Set<string>();

before(async () => {
  h = await Harness.start();
  const response = await h.control('GET', '/_groupgate/openapi.json');
  assert.equal(response.status, 200);
  document = response.body as unknown as typeof document;
  for (const route of registeredRoutes(h.app.printRoutes({ commonPrefix: false }))) {
    if (route.startsWith('GET /_groupgate/openapi.json') || !route.includes(' /_groupgate/')) continue;
    routes.add(route);
  }
});
after(() => h.close());

function operations(): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, Operation] => [
      operationKey(method, path),
      operation,
    ]),
  );
}

describe('the control API’s OpenAPI document', () => {
  it('describes every control route, and nothing else', () => {
    assert.ok(routes.size > 10);
    assert.deepEqual(new Set(operations().map(([key]) => key)), routes);
    assert.deepEqual(
      Object.keys(CONTROL_OPERATIONS).filter((key) => !routes.has(key)),
      [],
      'operations.ts names routes that do not exist',
    );
  });

  it('gives each operation a unique camelCase operationId and a summary', () => {
    const ids = new Set<string>();
    for (const [key, operation] of operations()) {
      assert.match(
        operation.operationId ?? '',
        /^[a-z][A-Za-z]+$/,
        `${key} has no operationId in operations.ts`,
      );
      assert.ok(!ids.has(operation.operationId ?? ''), `${operation.operationId} is used twice`);
      ids.add(operation.operationId ?? '');
      assert.ok((operation.summary ?? '').length > 10, `${key} has no summary`);
    }
  });

  it('documents the success answer with a schema and an example that matches it, and the errors', () => {
    const ajv = new Ajv({ strict: false });
    for (const [key, operation] of operations()) {
      const responses = operation.responses ?? {};
      const success = Object.entries(responses).find(([status]) => /^2\d\d$/.test(status));
      assert.ok(success, `${key} documents no success answer`);
      const media = success[1].content?.['application/json'];
      assert.ok(media?.schema, `${key} has no success schema`);
      const example = media.example ?? CONTROL_OPERATIONS[key]?.responseExample;
      if (example !== undefined) {
        const validate = ajv.compile(strictSchema(media.schema) as Json);
        assert.ok(
          validate(example),
          `${key}'s example does not match its schema: ${ajv.errorsText(validate.errors)}`,
        );
      }
      assert.ok(responses['503'], `${key} does not say it can answer 503`);
      if (operation.security !== undefined) assert.ok(responses['401'], `${key} does not document 401`);
      const body = operation.requestBody?.content?.['application/json'];
      if (body?.example !== undefined && body.schema !== undefined) {
        const validate = ajv.compile(strictSchema(body.schema) as Json);
        assert.ok(
          validate(body.example),
          `${key}'s request example does not match: ${ajv.errorsText(validate.errors)}`,
        );
      }
    }
    const withExamples = operations().filter(([, op]) =>
      Object.values(op.responses ?? {}).some((r) => r.content?.['application/json']?.example !== undefined),
    );
    assert.ok(withExamples.length >= operations().length * 0.8, 'most operations carry an example answer');
  });

  it('names the server it was fetched from', () => {
    assert.match(document.servers?.[0]?.url ?? '', /^http:\/\/localhost(:\d+)?$/);
  });

  it('turns into a typed client with openapi-typescript: one operation per operationId', async () => {
    const types = astToString(await openapiTS(document as never));
    const operationsBlock = types.slice(types.indexOf('export interface operations'));
    for (const [, operation] of operations()) {
      assert.ok(
        operationsBlock.includes(`    ${operation.operationId}: {`),
        `no ${operation.operationId} in the generated types`,
      );
    }
  });
});
