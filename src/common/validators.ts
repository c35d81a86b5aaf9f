import ipaddr from 'ipaddr.js';
import { registerDecorator, type ValidationOptions } from 'class-validator';

export function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** class-validator: an IPv4 or IPv6 CIDR (parsed with ipaddr.js). */
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
