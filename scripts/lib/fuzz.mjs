// The schema-driven fuzzer shared by test/fuzz.e2e.spec.ts (bounded, in-process, on PGlite and PostgreSQL) and
// scripts/fuzz.mjs (as many requests as asked, against a running service). Operations, parameters and body schemas
// come from openapi/openapi.json, so routes added later are fuzzed without touching this file. Generation is
// fast-check's (seeded: the same seed gives the same requests); answers are checked for:
// - 5xx (never allowed),
// - an error answer that is not application/problem+json with a `code`,
// - planted private keys (PEM, its base64, its body, percent-encoded) anywhere in a response's headers or body.
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------------------------
// Planted secrets and the echo check

/** Private keys (EC and Ed25519) in the forms a caller might paste them, and the pieces a leak would show. */
export function plantSecrets() {
  const pems = [
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  ];
  const values = [];
  const needles = new Set(['PRIVATE KEY-----']);
  for (const pem of pems) {
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const b64 = Buffer.from(pem).toString('base64');
    values.push(pem, b64, body, pem.replace(/\n/g, ' '), `https://h.example/${encodeURIComponent(pem)}`, `http://proxy.example:3128/?k=${b64}`);
    for (const s of [body, b64]) for (let i = 0; i + 24 <= s.length; i += 12) needles.add(s.slice(i, i + 24));
  }
  /** Header-safe forms (no line breaks). */
  const headerValues = values.filter((v) => !/[\r\n]/.test(v));
  return { values, headerValues, needles: [...needles] };
}

function percentDecodedLoosely(text) {
  if (!text.includes('%')) return text;
  return text.replace(/%[0-9A-Fa-f]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
}

/** Whether a response text holds any piece of a planted key (as is, percent-decoded, or JSON-unescaped). */
export function echoesSecret(text, secrets) {
  if (!text) return false;
  const forms = [text, percentDecodedLoosely(text), text.replace(/\\\//g, '/').replace(/\\n/g, '\n')];
  return forms.some((form) => secrets.needles.some((needle) => form.includes(needle)));
}

// ---------------------------------------------------------------------------------------------------------------
// Operations from the OpenAPI document

function resolve(doc, schema, depth = 0) {
  if (!schema || depth > 20) return schema ?? {};
  if (schema.$ref) {
    const parts = schema.$ref.replace(/^#\//, '').split('/');
    let target = doc;
    for (const p of parts) target = target?.[p];
    return resolve(doc, target, depth + 1);
  }
  if (schema.allOf?.length === 1) return resolve(doc, schema.allOf[0], depth + 1);
  return schema;
}

/** Every operation of the document: method, path template, parameters, the JSON body schema (or null). */
export function loadOperations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => {
        const r = resolve(doc, p);
        return { name: r.name, in: r.in, required: !!r.required, schema: resolve(doc, r.schema) };
      });
      const body = op.requestBody ? resolve(doc, op.requestBody) : null;
      const bodySchema = body?.content?.['application/json']?.schema ? resolve(doc, body.content['application/json'].schema) : null;
      ops.push({ id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, parameters, bodySchema, hasBody: !!body });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

const deepArray = (levels) => {
  let v = [];
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};

/** Values that should be refused or handled, never a 500: types, bounds, encodings, injections. */
function hostileValueArb(secrets) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...secrets.values) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\u202e', 'Ω≈ç√', '😀'.repeat(10), 'a'.repeat(3000),
        '../../etc/passwd', '%00', '%ff', '<script>alert(1)</script>', "' OR 1=1 --", '${jndi:ldap://x}', '__proto__', 'constructor',
        'null', 'NaN', '-1', '0', '1e309', '9'.repeat(40), 'http://', 'https://[::1', 'http://user:pass@proxy.example:3128/',
        'HTTP://PROXY.EXAMPLE:99999/', '*', '.', '10.0.0.0/33', '::/0', 'current', 'latest',
        0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, true, false, null,
        [], {}, [{}], [[]], { a: {} }, [null], ['x'],
      ),
    },
    { weight: 1, arbitrary: fc.constant(null).map(() => deepArray(70)) },
    { weight: 1, arbitrary: fc.constant(null).map(() => 'A'.repeat(70_000)) },
    { weight: 1, arbitrary: fc.integer({ min: 101, max: 400 }).map((n) => Array.from({ length: n }, () => ({}))) },
    { weight: 1, arbitrary: fc.constant(null).map(() => Array(10_001).fill(0)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.object({ maxDepth: 3, maxKeys: 4 }) },
  );
}

const PROXIES = ['http://proxy.corp.example:3128', 'http://proxy.corp.example:3128/', 'https://proxy.corp.example:8443/', 'http://10.1.2.3:3128', 'http://[fd00::1]:3128/'];
const NO_PROXY = ['localhost', '127.0.0.1', '.corp.example', '*.svc.example', '10.0.0.0/8', 'fd00::/8', 'mcr.microsoft.com', 'a.example:8080', '169.254.169.254', '.svc', 'kubernetes.default.svc', '*'];

/** A config document as the CLI file holds it: mostly plausible, sometimes odd. */
function configArb(secrets) {
  const hostile = hostileValueArb(secrets);
  const valid = fc.record(
    {
      httpProxy: fc.constantFrom(...PROXIES),
      httpsProxy: fc.constantFrom(...PROXIES),
      noProxy: fc.uniqueArray(fc.constantFrom('localhost', '.corp.example', '10.0.0.0/8', 'mcr.microsoft.com', 'a.example'), { maxLength: 5 }),
    },
    { requiredKeys: ['httpProxy'] },
  );
  const odd = fc.record(
    {
      enabled: fc.boolean(),
      httpProxy: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PROXIES) }, { weight: 1, arbitrary: hostile }),
      httpsProxy: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PROXIES) }, { weight: 1, arbitrary: hostile }),
      noProxy: fc.oneof(
        { weight: 5, arbitrary: fc.uniqueArray(fc.constantFrom(...NO_PROXY), { maxLength: 8 }) },
        { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NO_PROXY), hostile), { maxLength: 6 }) },
        { weight: 1, arbitrary: hostile },
      ),
      trustedCa: fc.oneof(fc.constantFrom(...secrets.values), hostile, fc.base64String({ maxLength: 200 })),
    },
    { requiredKeys: [] },
  );
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 1, arbitrary: odd });
}

/** Plausible values for the fields the API has, by name (the OpenAPI patterns are not generated from). */
function namedValueArb(name, ctx) {
  switch (name) {
    case 'name':
      return fc.oneof(fc.constantFrom(...ctx.clusters), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/).map((s) => `fz-${s}`));
    case 'resourceGroup':
      return fc.constantFrom('rg-prod', 'rg.(x)_y', 'RG');
    case 'subscriptionId':
      return fc.uuid();
    case 'location':
      return fc.constantFrom('westeurope', 'eastus2');
    case 'serviceCidr':
    case 'podCidr':
      return fc.constantFrom('10.0.0.0/16', '10.244.0.0/16', 'fd00::/108');
    case 'apiServerFqdn':
      return fc.constantFrom('x.hcp.westeurope.azmk8s.io', 'api.corp.example');
    case 'reason':
    case 'comment':
      return fc.string({ minLength: 1, maxLength: 60 });
    case 'changeTicket':
      return fc.constantFrom('CHG0001', 'INC-42');
    case 'decision':
      return fc.constantFrom('approve', 'reject');
    case 'cluster':
      return fc.constantFrom(...ctx.clusters);
    case 'revertTo':
      return fc.integer({ min: 1, max: 3 });
    case 'urls':
      return fc.array(fc.constantFrom('https://mcr.microsoft.com/v2/', 'http://api.corp.example/', 'https://10.0.0.1/', 'http://[::1]:8080/x'), { minLength: 1, maxLength: 5 });
    case 'expiresAt':
      return fc.integer({ min: 1, max: 1000 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString());
    case 'config':
      return configArb(ctx.secrets);
    case 'nodeSubnetCidrs':
      return fc.uniqueArray(fc.constantFrom('10.224.0.0/16', '10.225.0.0/16', 'fd01::/64'), { maxLength: 3 });
    default:
      return null;
  }
}

/** An arbitrary of values valid for a JSON schema (as far as the schema says), property names steering strings. */
function schemaArb(doc, schema, ctx, name, depth = 0) {
  schema = resolve(doc, schema);
  const named = name ? namedValueArb(name, ctx) : null;
  if (named) return named;
  if (depth > 6) return fc.constant(null);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.oneOf || schema.anyOf) return fc.oneof(...(schema.oneOf ?? schema.anyOf).map((s) => schemaArb(doc, s, ctx, name, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.example !== undefined) return fc.oneof(fc.constant(String(schema.example)), fc.string({ maxLength: 20 }));
      return fc.string({ maxLength: 30 });
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 100 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schemaArb(doc, schema.items ?? {}, ctx, name === 'roles' ? null : undefined, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object':
    default: {
      const props = schema.properties ?? {};
      const keys = Object.keys(props);
      if (keys.length === 0) return schema.additionalProperties ? configArb(ctx.secrets) : fc.constant({});
      const record = {};
      for (const k of keys) record[k] = schemaArb(doc, props[k], ctx, k, depth + 1);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => keys.includes(k)) });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of a valid body

function paths(value, prefix = [], out = [], depth = 0) {
  if (depth > 5 || typeof value !== 'object' || value === null) return out;
  for (const key of Object.keys(value)) {
    out.push([...prefix, key]);
    paths(value[key], [...prefix, key], out, depth + 1);
  }
  return out;
}

function setAt(value, path, replacement) {
  if (path.length === 0) return replacement;
  const copy = Array.isArray(value) ? value.slice() : { ...value };
  copy[path[0]] = setAt(value[path[0]], path.slice(1), replacement);
  return copy;
}

function removeAt(value, path) {
  if (path.length === 1) {
    const copy = Array.isArray(value) ? value.slice() : { ...value };
    if (Array.isArray(copy)) copy.splice(Number(path[0]), 1);
    else delete copy[path[0]];
    return copy;
  }
  const copy = Array.isArray(value) ? value.slice() : { ...value };
  copy[path[0]] = removeAt(value[path[0]], path.slice(1));
  return copy;
}

/** A body as sent: `{ text, contentType }` (text may be any bytes the JSON parser must survive). */
function bodyArb(doc, op, ctx) {
  const valid = op.bodySchema ? schemaArb(doc, op.bodySchema, ctx) : configArb(ctx.secrets);
  const hostile = hostileValueArb(ctx.secrets);
  const json = (v) => ({ text: JSON.stringify(v), contentType: 'application/json' });
  const mutated = fc.tuple(valid, hostile, fc.nat(), fc.nat(), fc.constantFrom('set', 'remove', 'add', 'replace', 'raw')).map(([v, h, i, j, how]) => {
    const all = paths(v);
    const path = all.length ? all[i % all.length] : null;
    switch (how) {
      case 'set':
        return json(path ? setAt(v, path, h) : h);
      case 'remove':
        return json(path ? removeAt(v, path) : v);
      case 'add':
        return json(typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, [['x', '__proto__', 'constructor', 'toString', ctx.secrets.values[j % ctx.secrets.values.length]][j % 5]]: h } : h);
      case 'replace':
        return json(h);
      default: {
        const text = JSON.stringify(v) ?? 'null';
        const raws = [
          text.slice(0, Math.max(1, text.length - 1 - (j % 5))),
          '[' .repeat(65 + (j % 3000)) + ']'.repeat(65 + (j % 3000)),
          `{"a":${'{"a":'.repeat(70)}1${'}'.repeat(71)}`,
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          `{"a":1,"a":2${text.length > 2 ? ',' + text.slice(1) : '}'}`,
          '',
          'null',
          '"string"',
          '\u0000',
          '{"x":"\\ud800"}',
          `[${Array(10_001).fill(0).join(',')}]`,
          '\uFEFF' + text,
        ];
        return { text: raws[j % raws.length], contentType: 'application/json' };
      }
    }
  });
  const odd = fc.tuple(valid, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml', null, 'multipart/form-data; boundary=x')).map(
    ([v, contentType]) => ({ text: JSON.stringify(v) ?? '', contentType }),
  );
  return fc.oneof({ weight: 6, arbitrary: valid.map(json) }, { weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: odd });
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters, headers, tokens

function paramValueArb(doc, param, ctx) {
  const hostile = hostileValueArb(ctx.secrets).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  let plausible;
  if (param.in === 'path') {
    if (param.name === 'name') plausible = fc.constantFrom(...ctx.clusters, 'no-such-cluster', 'UPPER-' + ctx.clusters[0]);
    else if (param.name === 'v') plausible = fc.constantFrom('1', '2', '3', 'current', 'latest', '0', '999', '1.5', '-1');
    else if (param.name === 'id') plausible = fc.oneof(fc.constantFrom(...ctx.keyIds), fc.uuid());
    else plausible = schemaArb(doc, param.schema, ctx, param.name).map(asText);
  } else if (param.name === 'If-Match') {
    plausible = fc.constantFrom('"r1"', '"r2"', '*', 'W/"r1"', '"r999999"', 'r1');
  } else if (param.name === 'X-Acting-For') {
    plausible = fc.constantFrom('alice@example.com', 'nobody@example.com', 'ALICE@EXAMPLE.COM');
  } else if (param.name === 'Idempotency-Key') {
    plausible = fc.oneof(fc.uuid(), fc.constantFrom('k1', 'k2', ''));
  } else if (param.name === 'format') {
    plausible = fc.constantFrom('cli', 'arm', 'bicep', 'terraform', 'az', 'istio', 'markdown', 'json', 'yaml');
  } else if (param.name === 'url') {
    plausible = fc.constantFrom('https://mcr.microsoft.com/v2/', 'http://api.corp.example/', 'https://10.0.0.1/');
  } else if (param.name === 'against') {
    plausible = fc.constantFrom('current', 'previous', '1', '2');
  } else if (param.name === 'cursor') {
    plausible = fc.oneof(fc.base64String({ maxLength: 40 }), fc.constant('eyJ4IjoxfQ'));
  } else {
    plausible = schemaArb(doc, param.schema, ctx, param.in === 'query' ? param.name : undefined).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  }
  return fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
}

/** Any generated value as text (String() throws on objects with a `toString` key that is not a function). */
const asText = (v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

/** encodeURIComponent that takes lone surrogates too (as U+FFFD, what a client library would send). */
const encode = (value) => encodeURIComponent(String(value).toWellFormed());

const HEADER_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/;

function requestArb(doc, op, ctx) {
  const params = {};
  for (const p of op.parameters) {
    const value = paramValueArb(doc, p, ctx);
    // optional query parameters half the time; optional headers (If-Match, X-Acting-For...) one time in six, so that
    // most requests are not refused for them alone
    const absent = p.in === 'header' ? 5 : 1;
    params[`${p.in}:${p.name}`] = p.required ? value : fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
  }
  // mostly the tokens of real roles (so requests reach the handlers), sometimes none or a bad one
  const role = fc.oneof(
    { weight: 3, arbitrary: fc.constant('admin') },
    { weight: 6, arbitrary: fc.constantFrom(...Object.keys(ctx.tokens)) },
    { weight: 1, arbitrary: fc.constantFrom('none', 'bogus', 'secret', 'basic') },
  );
  const rarely = (arb) => fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  const extraHeaders = fc.record({
    accept: rarely(fc.constantFrom('application/json', 'text/markdown', '*/*', 'text/html', 'application/problem+json', '')),
    'x-request-id': rarely(fc.oneof(fc.uuid(), fc.constantFrom(...ctx.secrets.headerValues), fc.string({ maxLength: 200 }))),
  });
  const extraQuery = rarely(fc.tuple(fc.constantFrom('x', 'limit', 'format', 'url', 'cursor'), hostileValueArb(ctx.secrets).map(asText)));
  return fc.record({
    params: fc.record(params, { requiredKeys: Object.keys(params) }),
    body: op.hasBody || op.method !== 'GET' ? fc.option(bodyArb(doc, op, ctx), { nil: undefined, freq: 12 }) : fc.constant(undefined),
    role,
    headers: extraHeaders,
    extraQuery,
  }).map(({ params, body, role, headers, extraQuery }) => {
    let path = op.path;
    const query = new URLSearchParams();
    const requestHeaders = {};
    for (const p of op.parameters) {
      const value = params[`${p.in}:${p.name}`];
      if (value === undefined) continue;
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encode(value) || '%20');
      else if (p.in === 'query') query.append(p.name, value);
      else if (p.in === 'header' && !HEADER_UNSAFE.test(value)) requestHeaders[p.name.toLowerCase()] = value;
    }
    if (extraQuery) query.append(extraQuery[0], extraQuery[1]);
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HEADER_UNSAFE.test(v)) requestHeaders[k] = v;
    if (role === 'bogus') requestHeaders.authorization = 'Bearer not-a-token';
    else if (role === 'secret') requestHeaders.authorization = `Bearer ${ctx.secrets.headerValues[1]}`;
    else if (role === 'basic') requestHeaders.authorization = 'Basic YWRtaW46YWRtaW4=';
    else if (role !== 'none') requestHeaders.authorization = `Bearer ${ctx.tokens[role]}`;
    if (body?.contentType) requestHeaders['content-type'] = body.contentType;
    const qs = query.toString();
    return { op: op.id, method: op.method, url: path + (qs ? `?${qs}` : ''), headers: requestHeaders, body: body?.text };
  });
}

/** Requests to routes the document does not have: 404/405 problem+json, never the query string echoed. */
function strayArb(ctx) {
  return fc.tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    fc.constantFrom('/v1/nope', '/v2/clusters', '/v1/clusters/x/y/z/w', '/%2e%2e/%2e%2e/etc/passwd', '/v1//clusters', '/v1/clusters/%00', '/'),
    fc.constantFrom(...ctx.secrets.values).map((s) => `?q=${encode(s)}`),
  ).map(([method, path, qs]) => ({ op: 'stray', method, url: path + qs, headers: { authorization: `Bearer ${ctx.tokens.reader}` }, body: undefined }));
}

/**
 * The request generator: a fast-check arbitrary over every operation of the document (equal weight) and a few
 * stray routes. ctx = { clusters, keyIds, tokens: { role: token }, secrets }.
 */
export function fuzzRequestArb(doc, ctx) {
  const ops = loadOperations(doc);
  return fc.oneof({ weight: 20 * ops.length, arbitrary: fc.oneof(...ops.map((op) => requestArb(doc, op, ctx))) }, { weight: ops.length, arbitrary: strayArb(ctx) });
}

/** `count` requests from `seed`, produced lazily in batches (50,000 requests are not all held at once). */
export function* fuzzRequests(doc, ctx, { seed, count, batch = 250 }) {
  const arb = fuzzRequestArb(doc, ctx);
  for (let done = 0, round = 0; done < count; round++) {
    const n = Math.min(batch, count - done);
    for (const r of fc.sample(arb, { seed: seed + round, numRuns: n })) yield r;
    done += n;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Setup, run, report

async function call(baseUrl, method, path, token, body) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json, text };
}

/**
 * Prepares what the requests refer to, through the API with the admin token: a key per role (and two keys that
 * DELETE may revoke), clusters with an approved and a pending version. `prefix` keeps runs apart.
 */
export async function prepareFuzzContext(baseUrl, adminToken, { prefix = `fz${Date.now().toString(36)}`, secrets = plantSecrets() } = {}) {
  const tokens = { admin: adminToken };
  const must = (res, ok, what) => {
    if (!ok.includes(res.status)) throw new Error(`fuzz setup: ${what}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  };
  for (const role of ['submitter', 'approver', 'reader']) {
    tokens[role] = must(await call(baseUrl, 'POST', '/v1/api-keys', adminToken, { name: `${prefix}-${role}`, roles: [role] }), [201], `key ${role}`).body.token;
  }
  const keyIds = [];
  for (const n of [1, 2]) keyIds.push(must(await call(baseUrl, 'POST', '/v1/api-keys', adminToken, { name: `${prefix}-victim${n}`, roles: ['reader'] }), [201], 'key').body.id);
  const clusters = [`${prefix}-a`, `${prefix}-b`];
  const config = { httpProxy: 'http://proxy.corp.example:3128', httpsProxy: 'http://proxy.corp.example:3128', noProxy: ['localhost', '.corp.example', '10.0.0.0/8'] };
  for (const name of clusters) {
    must(await call(baseUrl, 'POST', '/v1/clusters', tokens.submitter, { name, resourceGroup: 'rg-fuzz' }), [201], `cluster ${name}`);
    must(await call(baseUrl, 'POST', `/v1/clusters/${name}/configs`, tokens.submitter, { config, reason: 'fuzz v1' }), [201], 'submit v1');
    must(await call(baseUrl, 'POST', `/v1/clusters/${name}/configs/1/decisions`, tokens.approver, { decision: 'approve', comment: 'ok' }), [201], 'approve v1');
    must(await call(baseUrl, 'POST', `/v1/clusters/${name}/configs`, tokens.submitter, { config: { ...config, noProxy: [...config.noProxy, 'mcr.microsoft.com'] }, reason: 'fuzz v2' }), [201], 'submit v2');
  }
  return { clusters, keyIds, tokens, secrets, prefix };
}

/**
 * Sends the requests with `concurrency` in flight and checks every answer. Returns the tallies:
 * { requests, histogram, serverErrors, notProblem, echoes, networkErrors, slowest }.
 */
export async function runFuzz(baseUrl, doc, ctx, { seed, count, concurrency = 8, timeoutMs = 30_000, onProgress, timeline } = {}) {
  const histogram = {};
  const serverErrors = [];
  const notProblem = [];
  const echoes = [];
  const networkErrors = [];
  const slowest = [];
  let requests = 0;
  let notProblemCount = 0;
  let echoCount = 0;
  const iterator = fuzzRequests(doc, ctx, { seed, count });
  const keep = (list, item, max = 20) => list.length < max && list.push(item);
  const worker = async () => {
    for (;;) {
      const next = iterator.next();
      if (next.done) return;
      const r = next.value;
      const started = performance.now();
      let res;
      let text;
      try {
        res = await fetch(baseUrl + r.url, {
          method: r.method,
          headers: r.headers,
          body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = r.method === 'HEAD' ? '' : await res.text();
      } catch (err) {
        requests++;
        histogram.network = (histogram.network ?? 0) + 1;
        keep(networkErrors, { op: r.op, method: r.method, url: r.url.slice(0, 200), error: String(err?.cause?.code ?? err?.cause?.message ?? err?.message ?? err) });
        continue;
      }
      const ms = performance.now() - started;
      requests++;
      histogram[res.status] = (histogram[res.status] ?? 0) + 1;
      const summary = { op: r.op, method: r.method, url: r.url.slice(0, 160), status: res.status, ms: Math.round(ms * 10) / 10 };
      // when each answer was in flight (performance.timeOrigin-based ms), for matching event-loop stalls to requests
      timeline?.push({ start: performance.timeOrigin + started, end: performance.timeOrigin + started + ms, ...summary });
      if (res.status >= 500) keep(serverErrors, { ...summary, body: text.slice(0, 500), request: (r.body ?? '').slice(0, 300) });
      if (res.status >= 400 && r.method !== 'HEAD') {
        const type = res.headers.get('content-type') ?? '';
        let code = null;
        try {
          code = JSON.parse(text).code;
        } catch {
          /* not JSON */
        }
        if (!type.startsWith('application/problem+json') || typeof code !== 'string') {
          notProblemCount++;
          keep(notProblem, { ...summary, contentType: type, body: text.slice(0, 200) });
        }
      }
      const headerText = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      if (echoesSecret(text, ctx.secrets) || echoesSecret(headerText, ctx.secrets)) {
        echoCount++;
        const needle = ctx.secrets.needles.find((n) => text.includes(n) || headerText.includes(n));
        const at = needle ? text.indexOf(needle) : -1;
        keep(echoes, { ...summary, body: at >= 0 ? `…${text.slice(Math.max(0, at - 200), at + 100)}` : text.slice(0, 300), request: (r.body ?? '').slice(0, 300) });
      }
      if (slowest.length < 10 || ms > slowest[slowest.length - 1].ms) {
        slowest.push(summary);
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 10);
      }
      if (onProgress && requests % 1000 === 0) onProgress(requests);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const count5xx = Object.entries(histogram).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  return { requests, histogram, count5xx, serverErrors, notProblemCount, notProblem, echoCount, echoes, networkErrors, slowest };
}

/** The audit chain after the run: `{ ok, events, head }` from GET /v1/audit/verify. */
export async function verifyAudit(baseUrl, token) {
  const res = await call(baseUrl, 'GET', '/v1/audit/verify', token);
  return res.body ?? { ok: false, status: res.status };
}

