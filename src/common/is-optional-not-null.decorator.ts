import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * Like `@IsOptional()`, but only for a missing property: an explicit `null` is validated (and so refused by the
 * property's other validators) instead of slipping through to the database as "no value".
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
