import type { ValidationError } from 'class-validator';
import { getMetadataStorage } from 'class-validator';
import { badRequest, type ServiceError } from '../common/service-error';
import { PROXY_CONFIG_FIELDS } from '../domain/proxy-config';

/** One field's problem: where (a path such as `nodePools[0].name`) and the one message shown for it. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** Proxy config keys as people write them at the wrong level (any case, snake_case, or the ARM wrapper). */
const PROXY_KEYS = new Set([...PROXY_CONFIG_FIELDS.map((f) => f.toLowerCase()), 'httpproxyconfig', 'enabled']);
const isProxyKey = (key: string) => PROXY_KEYS.has(key.toLowerCase().replace(/_/g, ''));

/** The properties a DTO class validates (what the whitelist keeps), for "the fields are ..." hints. */
function fieldsOf(target: object | undefined): string[] {
  const ctor = target?.constructor;
  if (typeof ctor !== 'function' || ctor === Object) return [];
  const names = getMetadataStorage()
    .getTargetValidationMetadatas(ctor, '', true, false)
    .map((m) => m.propertyName);
  return [...new Set(names)];
}

const childPath = (parent: string, property: string) =>
  /^\d+$/.test(property) ? `${parent}[${property}]` : parent ? `${parent}.${property}` : property;

/**
 * The one message for a field: "X is required" when it is missing; else the message of the field's first decorator
 * in source order (class-validator lists constraints last-decorator-first, so that is the last one), which is the
 * type check by the DTOs' convention: `reason: 42` says "must be a string", not four things at once.
 */
function oneMessage(error: ValidationError, path: string): string {
  if (error.value === undefined) return `${path} is required`;
  const messages = Object.values(error.constraints ?? {});
  const message = messages[messages.length - 1] ?? `${path} is invalid`;
  return message.startsWith(`${error.property} `) ? `${path}${message.slice(error.property.length)}` : `${path}: ${message}`;
}

/**
 * class-validator's errors as one message per field, the most useful one; unknown fields say which fields there
 * are, and proxy config fields sent next to `config` (instead of inside it) say to put them under `config`.
 */
export function describeValidationErrors(errors: ValidationError[]): InvalidParam[] {
  const out: InvalidParam[] = [];
  const misplaced: string[] = [];
  const walk = (list: ValidationError[], parent: string) => {
    for (const e of list) {
      const path = childPath(parent, e.property);
      if (e.constraints?.whitelistValidation) {
        const fields = fieldsOf(e.target);
        if (fields.includes('config') && isProxyKey(e.property)) {
          misplaced.push(path);
          continue;
        }
        const known = fields.length ? `; the fields are ${fields.join(', ')}` : '';
        out.push({ name: path, reason: `${path} is not a field here${known}` });
        continue;
      }
      if (e.constraints && Object.keys(e.constraints).length > 0) out.push({ name: path, reason: oneMessage(e, path) });
      if (e.children?.length) walk(e.children, path);
    }
  };
  walk(errors, '');
  if (misplaced.length > 0) {
    const reason =
      `${misplaced.join(', ')} ${misplaced.length === 1 ? 'belongs' : 'belong'} in the proxy config: put the proxy config under \`config\`, ` +
      'e.g. {"config": {"httpProxy": "http://proxy.corp.example:3128/", "noProxy": [...]}, "reason": "..."}';
    out.unshift({ name: misplaced[0]!, reason });
  }
  return out;
}

/** The 400 BAD_REQUEST for a body or query that fails its DTO. */
export function validationProblem(errors: ValidationError[]): ServiceError {
  const params = describeValidationErrors(errors);
  const messages = params.map((p) => p.reason);
  return badRequest(messages.join('; ') || 'The request is invalid.', { errors: messages, invalidParams: params });
}
