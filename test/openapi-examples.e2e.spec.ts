import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app';

type Json = Record<string, unknown>;

/** The example of a request body schema as the document gives it: its own example, or one from its properties' examples. */
function exampleOf(schema: Json, schemas: Json): unknown {
  if (typeof schema.$ref === 'string') return exampleOf(schemas[schema.$ref.split('/').pop()!] as Json, schemas);
  if (schema.example !== undefined) return schema.example;
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.fromEntries(
    Object.entries(properties)
      .map(([name, property]) => [name, property.example ?? (required.has(name) ? exampleOf(property, schemas) : undefined)])
      .filter(([, value]) => value !== undefined),
  );
}

/**
 * The document's request examples are requests the service accepts: each documented example of the routes that
 * change things is sent as it is, in the order a user would (register a cluster, submit, decide), and succeeds.
 */
describe('the request examples of /openapi.json', () => {
  let t: TestApp;
  let document: { paths: Record<string, Record<string, Json>>; components: { schemas: Json } };
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  const bodyExamples = (path: string, method: string): { name: string; value: unknown }[] => {
    const content = ((document.paths[path][method].requestBody as Json).content as Record<string, Json>)['application/json'];
    if (content.examples) return Object.entries(content.examples as Record<string, Json>).map(([name, e]) => ({ name, value: e.value }));
    return [{ name: 'schema', value: exampleOf(content.schema as Json, document.components.schemas) }];
  };

  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http().get('/openapi.json').expect(200)).body;
  });
  afterAll(() => t?.close());

  it('POST /v1/clusters: the example registers a cluster', async () => {
    for (const { value } of bodyExamples('/v1/clusters', 'post')) {
      const res = await t.http().post('/v1/clusters').set(auth).send(value as object);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });

  it('POST /v1/clusters/{name}/configs: every example (a new config, a revert) is accepted', async () => {
    const cluster = (bodyExamples('/v1/clusters', 'post')[0].value as { name: string }).name.toLowerCase();
    const examples = bodyExamples('/v1/clusters/{name}/configs', 'post');
    expect(examples.map((e) => e.name)).toEqual(['config', 'revert']);
    for (const { name, value } of examples) {
      const res = await t.http().post(`/v1/clusters/${cluster}/configs`).set(auth).send(value as object);
      expect([200, 201], `${name}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
    }
  });

  it('POST /v1/validate and /v1/explain: the examples are valid requests', async () => {
    for (const path of ['/v1/validate', '/v1/explain']) {
      if (!document.paths[path]?.post?.requestBody) continue;
      for (const { value } of bodyExamples(path, 'post')) {
        const res = await t.http().post(path).set(auth).send(value as object);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
      }
    }
  });

  it('POST /v1/clusters/{name}/observations: the az aks show example is recognised and compared', async () => {
    const cluster = (bodyExamples('/v1/clusters', 'post')[0].value as { name: string }).name.toLowerCase();
    for (const { value } of bodyExamples('/v1/clusters/{name}/observations', 'post')) {
      const res = await t.http().post(`/v1/clusters/${cluster}/observations`).set(auth).send(value as object);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(['in-sync', 'drifted', 'no-approved-version', 'not-configured']).toContain(res.body.state);
    }
  });
});
