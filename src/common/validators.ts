import { registerDecorator, type ValidationOptions } from 'class-validator';
import { canonicalIPv4, canonicalIPv6, checkCidr } from '../domain/validate/util';

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

/**
 * A strict IPv4 (dotted quad, no octal, hex or short forms) or IPv6 (no zone, no brackets) literal in canonical
 * form (RFC 5952 for IPv6), or null when the value is no such literal (a host name, a CIDR, anything else).
 */
export function canonicalIpAddress(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return canonicalIPv4(value) ?? canonicalIPv6(value);
}

/** class-validator: a strict IPv4 or IPv6 address literal (see canonicalIpAddress). */
export function IsIpAddress(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIpAddress',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => canonicalIpAddress(value) !== null,
        defaultMessage: (args) => {
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          const bad = values.find((v) => canonicalIpAddress(v) === null);
          const shown =
            typeof bad === 'string' ? JSON.stringify(bad.length > 80 ? `${bad.slice(0, 80)}...` : bad) : bad === null ? 'null' : `a ${Array.isArray(bad) ? 'list' : typeof bad}`;
          return `${propertyName} must hold IP addresses such as 10.0.0.4 or fd00::4 (no host names, no CIDR); ${shown} is not one`;
        },
      },
    });
}
