import { join } from 'node:path';

/** Exit codes: 0 valid, 1 a failing finding, 2 usage or unreadable input. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function packageVersion(): string {
  try {
    return (require(join(__dirname, '..', '..', 'package.json')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
