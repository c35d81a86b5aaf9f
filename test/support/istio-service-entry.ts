import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { parse } from 'yaml';

/**
 * Checks a ServiceEntry document against Istio's published CRD schema for networking.istio.io/v1
 * (test/fixtures/istio-service-entry-v1.schema.yaml says where it comes from), the way the Kubernetes API server would
 * with strict field validation (`kubectl apply --validate=strict`, the default since kubectl 1.27): the OpenAPI
 * schema with unknown fields refused, plus the CRD's x-kubernetes-validations (CEL) rules and list-map keys, which ajv
 * cannot run and which are implemented below one by one. A CEL rule in the fixture that this file does not implement
 * fails loudly, so a newer schema cannot be half-checked.
 */

type Schema = Record<string, unknown>;

const FIXTURE = join(__dirname, '..', 'fixtures', 'istio-service-entry-v1.schema.yaml');

/** The fixture: the CRD's openAPIV3Schema (spec only). */
export const serviceEntryCrdSchema = (): Schema => parse(readFileSync(FIXTURE, 'utf8')) as Schema;

/** Every object schema with `properties` refuses other keys (what strict field validation does with unknown fields). */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

/** The whole object: the CRD's spec schema plus the apiVersion, kind and metadata.name every Kubernetes object has. */
function documentSchema(): Schema {
  const crd = serviceEntryCrdSchema();
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: { const: 'networking.istio.io/v1' },
      kind: { const: 'ServiceEntry' },
      metadata: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        // a DNS-1123 subdomain, as Kubernetes requires of object names
        properties: { name: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' } },
      },
      spec: strict((crd.properties as Schema).spec),
    },
  };
}

const K8S_KEYWORDS = [
  'x-kubernetes-validations',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
];

let compiled: ReturnType<Ajv['compile']> | null = null;
function validator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addVocabulary(K8S_KEYWORDS);
    compiled = ajv.compile(documentSchema());
  }
  return compiled;
}

/** The CEL rules of the fixture (by message) and their hand-written equivalents over the spec. */
type Spec = Record<string, unknown> & {
  hosts?: unknown[];
  addresses?: unknown[];
  ports?: Array<Record<string, unknown>>;
  endpoints?: unknown[];
  workloadSelector?: unknown;
  resolution?: string;
};
const isPort = (n: unknown) => typeof n !== 'number' || (n > 0 && n <= 65535);
const CEL_RULES: Record<string, (spec: Spec) => boolean> = {
  'hostname cannot be wildcard': (s) => (s.hosts ?? []).every((h) => h !== '*'),
  'port must be between 1-65535': (s) =>
    (s.ports ?? []).every((p) => isPort(p.number) && isPort(p.targetPort)) &&
    (s.endpoints ?? []).every((e) => Object.values(((e as Schema).ports as Schema | undefined) ?? {}).every(isPort)),
  'port number cannot be duplicated': (s) => new Set((s.ports ?? []).map((p) => p.number)).size === (s.ports ?? []).length,
  'only one of WorkloadSelector or Endpoints can be set': (s) => (s.workloadSelector ? 1 : 0) + (s.endpoints ? 1 : 0) <= 1,
  'CIDR addresses are allowed only for NONE/STATIC resolution types': (s) =>
    !((s.addresses ?? []).some((a) => String(a).includes('/')) && !['STATIC', 'NONE'].includes(s.resolution ?? 'NONE')),
  'NONE mode cannot set endpoints': (s) => ((s.resolution ?? 'NONE') === 'NONE' ? s.endpoints === undefined : true),
  'DNS_ROUND_ROBIN mode cannot have multiple endpoints': (s) => (s.resolution === 'DNS_ROUND_ROBIN' ? (s.endpoints ?? []).length <= 1 : true),
  // Rules on fields the rendering never writes (endpoints, workload selectors): hold vacuously when they are absent.
  'UDS must be an absolute path or abstract socket': (s) => s.endpoints === undefined,
  'UDS may not be a dir': (s) => s.endpoints === undefined,
  'port name must be valid': (s) => s.endpoints === undefined,
  'Address is required': (s) => s.endpoints === undefined,
  'UDS may not include ports': (s) => s.endpoints === undefined,
  'wildcard is not supported in selector': (s) => s.workloadSelector === undefined,
};

/** Every x-kubernetes-validations message in a schema. */
function celMessages(schema: unknown, out: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((s) => celMessages(s, out));
  else if (schema !== null && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'x-kubernetes-validations') for (const rule of v as Array<{ message: string }>) out.push(rule.message);
      else celMessages(v, out);
    }
  }
  return out;
}

/**
 * What the API server would refuse in `doc` (an already parsed ServiceEntry): ajv's schema errors, the CEL rules,
 * the list-map key (`ports` keyed by name). Empty when Kubernetes would accept it.
 */
export function serviceEntryProblems(doc: unknown): string[] {
  const unknownRules = [...new Set(celMessages(serviceEntryCrdSchema()))].filter((m) => !(m in CEL_RULES));
  if (unknownRules.length > 0) throw new Error(`the CRD fixture has CEL rules this checker does not implement: ${unknownRules.join('; ')}`);
  const validate = validator();
  const problems = validate(doc) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  const spec = (doc as { spec?: Spec })?.spec;
  if (spec && typeof spec === 'object') {
    for (const [message, holds] of Object.entries(CEL_RULES)) if (!holds(spec)) problems.push(`/spec ${message}`);
    const names = (spec.ports ?? []).map((p) => p.name);
    if (new Set(names).size !== names.length) problems.push('/spec/ports duplicate name (x-kubernetes-list-map-keys: name)');
  }
  return problems;
}
