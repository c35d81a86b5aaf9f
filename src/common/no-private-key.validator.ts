import { registerDecorator, type ValidationOptions } from 'class-validator';
import { containsPrivateKey } from '../domain/redact';

/** class-validator: a free text field must not hold a private key (it would be stored and audited for ever). */
export function NoPrivateKey(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'noPrivateKey',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must not contain a private key; remove it (and rotate that key)`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !containsPrivateKey(value) },
    });
}
