import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** JSON schemas of the response bodies, for the OpenAPI document (the shapes of ../shared/API.md). */

const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
const time: SchemaObject = { type: 'string', format: 'date-time' };
const obj = (properties: Record<string, SchemaObject | ReferenceObject>, required = Object.keys(properties)): SchemaObject => ({
  type: 'object',
  properties,
  required,
});

export const FINDING_SCHEMA = obj({
  code: str('Stable code from the findings table'),
  severity: { type: 'string', enum: ['error', 'warning', 'info'] },
  pointer: str('RFC 6901 pointer into the submitted config, or "" for the whole config or the cluster'),
  message: str('What is wrong and what to do'),
});

export const PROXY_CONFIG_SCHEMA = obj(
  {
    httpProxy: str(),
    httpsProxy: str(),
    noProxy: { type: 'array', items: str() },
    trustedCa: str('base64 of PEM certificates'),
  },
  [],
);

export const CERTIFICATE_SCHEMA = obj({
  subject: str(),
  issuer: str(),
  serialNumber: str(),
  notBefore: time,
  notAfter: time,
  sha256Fingerprint: str('lower-case hex'),
  subjectAltNames: { type: 'array', items: str() },
  isCA: { type: 'boolean' },
  keyAlgorithm: str(),
  keySize: nullable({ type: 'integer' }),
  signatureAlgorithm: str(),
});

export const VALIDATION_RESULT_SCHEMA = obj({
  valid: { type: 'boolean' },
  findings: { type: 'array', items: FINDING_SCHEMA },
  normalized: PROXY_CONFIG_SCHEMA,
  certificates: { type: 'array', items: CERTIFICATE_SCHEMA },
});

const VERSION_SUMMARY_SCHEMA = nullable(
  obj({ version: { type: 'integer' }, status: str(), contentHash: str(), submittedBy: str(), submittedAt: time, approvedAt: nullable(time) }),
);

const NODE_POOL_SCHEMA = obj({
  name: str(),
  osType: { type: 'string', enum: ['Linux', 'Windows'] },
  type: { type: 'string', enum: ['VirtualMachineScaleSets', 'AvailabilitySet'] },
});

export const CLUSTER_SCHEMA = obj(
  {
    name: str(),
    resourceGroup: str(),
    subscriptionId: nullable(str()),
    location: nullable(str()),
    nodePools: { type: 'array', items: NODE_POOL_SCHEMA },
    network: nullable(
      obj({ serviceCidr: str(), podCidr: str(), nodeSubnetCidrs: { type: 'array', items: str() }, apiServerFqdn: str() }, []),
    ),
    requiredApprovals: { type: 'integer', minimum: 1, maximum: 5 },
    revision: { type: 'integer' },
    createdBy: str(),
    createdAt: time,
    updatedAt: time,
    currentVersion: VERSION_SUMMARY_SCHEMA,
    latestVersion: VERSION_SUMMARY_SCHEMA,
  },
  ['name', 'resourceGroup', 'requiredApprovals', 'revision'],
);

export const VERSION_SCHEMA = obj({
  cluster: str(),
  version: { type: 'integer' },
  status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn', 'superseded'] },
  config: PROXY_CONFIG_SCHEMA,
  contentHash: str('sha256 hex of the canonical config'),
  findings: { type: 'array', items: FINDING_SCHEMA },
  certificates: { type: 'array', items: CERTIFICATE_SCHEMA },
  reason: str(),
  changeTicket: nullable(str()),
  submittedBy: str('The person responsible (the X-Acting-For user when a bot submitted)'),
  submittedVia: nullable(str('The bot key that submitted for the person')),
  submittedAt: time,
  requiredApprovals: { type: 'integer' },
  revertOf: nullable({ type: 'integer' }),
  decisions: {
    type: 'array',
    items: obj({ actor: str(), via: nullable(str()), decision: { type: 'string', enum: ['approve', 'reject'] }, comment: str(), at: time }),
  },
  approvedAt: nullable(time),
  closedAt: nullable(time),
});

export const AUDIT_EVENT_SCHEMA = obj({
  seq: { type: 'integer' },
  at: time,
  actor: str(),
  via: nullable(str()),
  action: str(),
  cluster: nullable(str()),
  version: nullable({ type: 'integer' }),
  requestId: nullable(str()),
  details: { type: 'object', additionalProperties: true },
  hash: str(),
  prevHash: str(),
});

export const AUDIT_VERIFY_SCHEMA = obj(
  { ok: { type: 'boolean' }, events: { type: 'integer' }, head: str('hash of the last event'), seq: { type: 'integer', description: 'when ok is false: the first bad event (API.md)' }, reason: str() },
  ['ok', 'events', 'head'],
);

export const DIFF_SCHEMA = obj({
  from: nullable({ type: 'integer' }),
  to: { type: 'integer' },
  changed: { type: 'boolean' },
  changes: {
    type: 'array',
    description: 'RFC 6902 operations turning the "from" config into the "to" config',
    items: obj({ op: { type: 'string', enum: ['add', 'remove', 'replace'] }, path: str(), value: {} }, ['op', 'path']),
  },
  noProxy: obj({ added: { type: 'array', items: str() }, removed: { type: 'array', items: str() } }),
  trustedCa: obj({ added: { type: 'array', items: CERTIFICATE_SCHEMA }, removed: { type: 'array', items: CERTIFICATE_SCHEMA } }),
  impact: { type: 'array', items: FINDING_SCHEMA },
  summary: str('One line for humans'),
});

const CLIENT_VERDICT = obj(
  {
    proxy: nullable(str('The proxy URL the client uses, or null for a direct connection (always: null means direct); absent when the client makes no request')),
    reason: str('The noProxy entry or rule that decided'),
    error: { type: 'string', enum: ['no request'], description: 'Set (and proxy absent) when the client makes no request at all' },
  },
  ['reason'],
);

export const EXPLAIN_SCHEMA = obj(
  {
    effectiveNoProxy: { type: 'array', items: str() },
    results: {
      type: 'array',
      items: obj(
        {
          url: str(),
          error: str('Set, with no clients, when the URL is not an absolute http or https URL (POST /v1/explain)'),
          clients: obj(Object.fromEntries(['go', 'curl', 'python-urllib', 'python-requests', 'node-undici', 'ruby'].map((c) => [c, CLIENT_VERDICT]))),
        },
        ['url'],
      ),
    },
    findings: { type: 'array', items: FINDING_SCHEMA, description: 'POST /v1/explain only: the findings of the config' },
  },
  ['effectiveNoProxy', 'results'],
);

/** `{ items: [...], nextCursor }` with a Link header for the next page. */
export const page = (items: SchemaObject | ReferenceObject): SchemaObject =>
  obj({ items: { type: 'array', items }, nextCursor: nullable(str('Opaque cursor for the next page')) });
