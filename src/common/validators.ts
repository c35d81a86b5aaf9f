import { registerDecorator, type ValidationOptions } from 'class-validator';
import { checkCidr } from '../domain/validate/util';

/**
 * A strict IPv4 or IPv6 CIDR, exactly as noProxy entries are checked (domain checkCidr): dotted-quad IPv4 without
 * octal, hex or short forms, IPv6 without a zone, a prefix in range.
 */
export function isCidr(value: unknown): boolean {
  return typeof value === 'string' && checkCidr(value).ok;
}

/** class-validator: a strict IPv4 or IPv6 CIDR (see isCidr). */
export function IsCidr(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCidr',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a CIDR such as 10.0.0.0/16`, ...options },
      validator: { validate: (value: unknown) => isCidr(value) },
    });
}
