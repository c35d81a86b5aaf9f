export const ROLES = ['reader', 'submitter', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Whether a key with `granted` roles may act as `required`. `admin` may do everything; `submitter` and
 * `approver` may also read (they must see what they submit and approve).
 */
export function hasRole(granted: readonly Role[], required: Role): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  return required === 'reader' && (granted.includes('submitter') || granted.includes('approver'));
}
