import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What this process runs: the service's version (package.json) and the Node.js version. */
export interface BuildInfo {
  version: string;
  node: string;
}

let cached: BuildInfo | undefined;

/** Read once: package.json sits two levels up from this file both in src/ (tests) and in dist/ (and in the image). */
export function buildInfo(): BuildInfo {
  if (!cached) {
    let version = 'unknown';
    try {
      version = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      // A layout without package.json still starts; the metric says "unknown".
    }
    cached = { version, node: process.version };
  }
  return cached;
}
