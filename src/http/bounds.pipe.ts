import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { badRequest } from '../common/service-error';
import { containsPrivateKey } from '../domain/redact';

// class-transformer keeps @Type() metadata in a storage it does not export from its entry point (Nest's mapped types
// read it the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

/**
 * Bounds before work (API.md "Limits"). class-transformer copies a body element by element and class-validator
 * then checks every element, so a 100,000-element `nodePools` took seconds of event loop to be told "no more than
 * 100 elements". This pipe runs first (before the ValidationPipe), on the plain parsed body or query, and answers
 * 400 for what is out of bounds with a message naming the limit, doing work proportional to the DTO's shape, not
 * to the input's size:
 * - the body of a DTO route must be a JSON object (an array would be transformed element by element);
 * - an array longer than its `@ArrayMaxSize`, a string longer than its `@MaxLength` (also `each` on arrays);
 * - a nested DTO (`@ValidateNested` + `@Type`) sent as an array where an object is expected, or as an object where
 *   an array is expected; nested DTOs are checked the same way, element by element once their array is in bounds;
 * - an array or object sent for a scalar field (a string, number or boolean), and an array or object sent under a
 *   property the DTO does not have: class-transformer would copy them whole before class-validator refuses them;
 * - a private key (PEM, base64 of PEM, base64 of DER) in any string field of a DTO: whatever the field, it would
 *   be stored, audited or echoed. Not in array elements (explain URLs answer a per-URL error, with the URL redacted)
 *   nor in free-form `config` objects (the domain judges them and drops key material).
 * Everything else (formats, patterns, enums) stays with the ValidationPipe. The rules are read once per DTO class
 * from the class-validator and class-transformer metadata, so every DTO, including ones added later, is covered.
 */

interface PropertyRule {
  name: string;
  arrayMax?: number;
  maxLength?: number;
  eachMaxLength?: number;
  /** 'array' or 'object' when the property must be one of them (a nested DTO, an array validator). */
  shape?: 'array' | 'object';
  /** Free-form object (`@IsObject()`): checked only for being an object. */
  freeObject?: boolean;
  /** A string, number or boolean field. */
  scalar?: boolean;
  /** The nested DTO class of a `@ValidateNested()` property. */
  nested?: () => Function | undefined;
}

interface ClassRules {
  properties: Map<string, PropertyRule>;
}

const NESTED = 'nestedValidation';
const SCALAR_VALIDATORS = new Set([
  'isString', 'matches', 'maxLength', 'minLength', 'isInt', 'isNumber', 'min', 'max', 'isBoolean', 'isFQDN', 'isUUID',
  'isEmail', 'isUrl', 'isRfc3339', 'isCidr', 'isDateString', 'isISO8601', 'isPositive', 'isNumberString',
]);
const ARRAY_VALIDATORS = new Set(['isArray', 'arrayMaxSize', 'arrayMinSize', 'arrayUnique', 'arrayNotEmpty', 'arrayContains']);
const SCALAR_TYPES = new Set<unknown>([String, Number, Boolean]);

const rulesByClass = new WeakMap<Function, ClassRules | null>();

function rulesFor(target: Function): ClassRules | null {
  let rules = rulesByClass.get(target);
  if (rules !== undefined) return rules;
  const metadata: ValidationMetadata[] = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  if (metadata.length === 0) {
    rulesByClass.set(target, null);
    return null;
  }
  const properties = new Map<string, PropertyRule>();
  for (const m of metadata) {
    const rule = properties.get(m.propertyName) ?? { name: m.propertyName };
    properties.set(m.propertyName, rule);
    const name = m.name ?? m.type;
    const limit = Number(m.constraints?.[0]);
    if (name === 'arrayMaxSize' && Number.isFinite(limit)) rule.arrayMax = Math.min(rule.arrayMax ?? Infinity, limit);
    if (name === 'maxLength' && Number.isFinite(limit)) {
      if (m.each) rule.eachMaxLength = Math.min(rule.eachMaxLength ?? Infinity, limit);
      else rule.maxLength = Math.min(rule.maxLength ?? Infinity, limit);
    }
    if (ARRAY_VALIDATORS.has(name)) rule.shape = 'array';
    if (name === 'isObject') rule.freeObject = true;
    if (SCALAR_VALIDATORS.has(name) && !m.each) rule.scalar = true;
    if (m.type === NESTED) {
      const type = defaultMetadataStorage.findTypeMetadata(target, m.propertyName);
      if (type) rule.nested = () => type.typeFunction() as Function;
      if (m.each && !rule.shape) rule.shape = 'array';
    }
  }
  for (const rule of properties.values()) {
    const designType: unknown = Reflect.getMetadata('design:type', target.prototype, rule.name);
    if (designType === Array) rule.shape = 'array';
    else if (rule.nested && rule.shape !== 'array') rule.shape = 'object';
    if (SCALAR_TYPES.has(designType)) rule.scalar = true;
    if (rule.shape || rule.freeObject) rule.scalar = false;
  }
  rules = { properties };
  rulesByClass.set(target, rules);
  return rules;
}

const privateKeyMessage = (path: string) => `${path} must not contain a private key; remove it (and rotate that key)`;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_MESSAGES = 20;

/** The out-of-bounds messages for `value` against DTO class `target` (empty when in bounds). */
export function boundsViolations(target: Function, value: unknown, prefix = '', messages: string[] = []): string[] {
  const rules = rulesFor(target);
  if (!rules || !isPlainObject(value)) return messages;
  for (const key in value) {
    if (messages.length >= MAX_MESSAGES) break;
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = value[key];
    const path = prefix + key;
    const rule = rules.properties.get(key);
    if (!rule) {
      // class-validator's own words for it (forbidNonWhitelisted)
      if (typeof v === 'object' && v !== null) messages.push(`property ${path} should not exist`);
      continue;
    }
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') {
      if (rule.maxLength !== undefined && v.length > rule.maxLength) {
        messages.push(`${path} must be shorter than or equal to ${rule.maxLength} characters`);
      } else if (containsPrivateKey(v)) {
        messages.push(privateKeyMessage(path));
      }
      continue;
    }
    if (Array.isArray(v)) {
      if (rule.shape === 'object' || rule.freeObject) {
        messages.push(`${path} must be an object, not an array`);
        continue;
      }
      if (rule.scalar) {
        messages.push(`${path} must be a single value, not an array`);
        continue;
      }
      if (rule.arrayMax !== undefined && v.length > rule.arrayMax) {
        messages.push(`${path} must contain no more than ${rule.arrayMax} elements`);
        continue;
      }
      if (rule.eachMaxLength !== undefined) {
        const tooLong = v.findIndex((item) => typeof item === 'string' && item.length > rule.eachMaxLength!);
        if (tooLong >= 0) {
          messages.push(`${path}.${tooLong} must be shorter than or equal to ${rule.eachMaxLength} characters`);
          continue;
        }
      }

      const nested = rule.nested?.();
      if (nested) {
        for (let i = 0; i < v.length && messages.length < MAX_MESSAGES; i++) {
          const item = v[i];
          if (Array.isArray(item)) messages.push(`${path}.${i} must be an object, not an array`);
          else boundsViolations(nested, item, `${path}.${i}.`, messages);
        }
      }
      continue;
    }
    if (typeof v === 'object') {
      if (rule.shape === 'array') {
        messages.push(`${path} must be an array`);
        continue;
      }
      if (rule.scalar) {
        messages.push(`${path} must be a single value, not an object`);
        continue;
      }
      const nested = rule.nested?.();
      if (nested) boundsViolations(nested, v, `${path}.`, messages);
    }
  }
  return messages;
}

@Injectable()
export class BoundsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if ((metadata.type !== 'body' && metadata.type !== 'query') || !metadata.metatype) return value;
    const rules = rulesFor(metadata.metatype);
    if (!rules) return value;
    if (metadata.type === 'body' && !isPlainObject(value)) {
      throw badRequest('The request body must be a JSON object.', { errors: ['The request body must be a JSON object.'] });
    }
    const messages = boundsViolations(metadata.metatype, value);
    if (messages.length) throw badRequest(messages.join('; '), { errors: messages });
    return value;
  }
}
