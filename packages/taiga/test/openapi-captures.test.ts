import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureNames, loadApiCapture } from './fixtures/index.js';

interface Operation {
  responses: Record<
    string,
    { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }
  >;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: {
    responses: Record<string, Operation['responses'][string]>;
    headers: Record<string, { schema: unknown }>;
  };
}

const spec = parse(readFileSync(new URL('../openapi/taiga.yaml', import.meta.url), 'utf8')) as Spec;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'taiga.yaml', components: spec.components });

// `#/components/...` inside the document becomes `taiga.yaml#/components/...` once the schema is taken out of it.
const detach = (schema: unknown) =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"taiga.yaml#/components/'));
const deref = <T extends { $ref?: string }>(node: T, section: 'responses' | 'headers'): T =>
  node.$ref ? (spec.components[section][node.$ref.split('/').pop()!] as unknown as T) : node;

function operationFor(method: string, url: string): { template: string; operation: Operation } {
  const path = new URL(url).pathname.replace(/^\/api\/v1/, '');
  const exact = spec.paths[path]?.[method.toLowerCase()];
  if (exact) return { template: path, operation: exact };
  for (const [template, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (pattern.test(path) && operation) return { template, operation };
  }
  throw new Error(`no operation for ${method} ${path}`);
}

const apiCaptures = captureNames().filter((name) => name.startsWith('api_'));

// The document is what the sandbox serves and checks itself against, so it must accept what a real Taiga sent.
describe('openapi/taiga.yaml against the captures of a real Taiga', () => {
  it.each(apiCaptures)('%s: the response matches its operation', (name) => {
    const { request, response } = loadApiCapture(name);
    const { template, operation } = operationFor(request.method, request.url);
    const declared =
      operation.responses[String(response.status)] ?? operation.responses[`${String(response.status)[0]}XX`];
    expect(declared, `${request.method} ${template} declares ${response.status}`).toBeDefined();
    const resolved = deref(declared!, 'responses');
    const validate = ajv.compile(detach(resolved.content!['application/json']!.schema));
    expect(validate(response.body), JSON.stringify(validate.errors)).toBe(true);
    const received = Object.fromEntries(
      Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    for (const [header, definition] of Object.entries(resolved.headers ?? {})) {
      const value = received[header.toLowerCase()];
      if (value === undefined) continue;
      const check = ajv.compile(
        detach(deref(definition as { $ref?: string; schema: unknown }, 'headers').schema),
      );
      expect(check(value), `${header}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });

  it('refuses a task without the fields Tundra reads', () => {
    const { response } = loadApiCapture('api_task_get');
    const { version: _, ...withoutVersion } = response.body as Record<string, unknown>;
    const validate = ajv.compile({ $ref: 'taiga.yaml#/components/schemas/TaskDetail' });
    expect(validate(response.body)).toBe(true);
    expect(validate(withoutVersion)).toBe(false);
  });
});
