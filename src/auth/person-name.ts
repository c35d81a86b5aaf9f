/**
 * A person's name as the service keeps it: whatever names them in their token or an admin gives, be it a user
 * principal name, an e-mail address, a chat handle or a subject id (`auth0|5f7c8e...`, `spiffe://corp/ns/app`; Entra
 * ID guest UPNs hold `#EXT#`). 1-256 characters; no control characters or line separators, no unpaired UTF-16
 * surrogate (PostgreSQL could not store it as given), no white space at either end. Compared and stored lower-cased.
 */
export const PERSON_NAME_RULE = '1-256 characters without control characters, and without spaces at either end';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `value` can be a person's name (see PERSON_NAME_RULE). */
export function isPersonName(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return false;
  if (value.trim() !== value || FORBIDDEN.test(value)) return false;
  let codePoints = 0;
  for (const _ of value) if (++codePoints > 256) return false;
  return true;
}
