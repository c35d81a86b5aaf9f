import type { Finding, FindingCode, ValidationResult } from '../../src/domain/proxy-config';
import { FINDING_SEVERITY } from '../../src/domain/validate/util';

/** The codes of a result's findings, in order. */
export const codesOf = (result: { findings: Finding[] }): FindingCode[] => result.findings.map((f) => f.code);

/** The findings of one code. */
export const findingsOf = (result: { findings: Finding[] }, code: FindingCode): Finding[] =>
  result.findings.filter((f) => f.code === code);

const FIELDS = new Set(['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa', 'enabled']);

/**
 * Problems with the shape of a ValidationResult (an empty list when it is well formed): every finding has a known
 * code with its contract severity, an RFC 6901 pointer and a one-line message ending in a full stop; `valid` is
 * "no error finding"; `normalized` holds only the fields with the right types and no empty values (`enabled` only as false);
 * certificates are fully described.
 */
export function resultShapeProblems(result: unknown): string[] {
  const problems: string[] = [];
  if (typeof result !== 'object' || result === null) return ['not an object'];
  const r = result as Partial<ValidationResult>;
  if (typeof r.valid !== 'boolean') problems.push('valid is not a boolean');
  if (!Array.isArray(r.findings)) return [...problems, 'findings is not an array'];
  for (const f of r.findings) {
    if (!(f.code in FINDING_SEVERITY)) problems.push(`unknown code ${String(f.code)}`);
    else if (f.severity !== FINDING_SEVERITY[f.code]) problems.push(`${f.code} has severity ${f.severity}`);
    if (typeof f.pointer !== 'string' || (f.pointer !== '' && !f.pointer.startsWith('/'))) problems.push(`${f.code}: bad pointer`);
    if (typeof f.message !== 'string' || f.message.length < 10 || !f.message.endsWith('.') || /[\r\n]/.test(f.message)) {
      problems.push(`${f.code}: bad message ${JSON.stringify(f.message)}`);
    }
  }
  if (r.valid !== !r.findings.some((f) => f.severity === 'error')) problems.push('valid disagrees with the findings');
  const n = r.normalized as Record<string, unknown> | undefined;
  if (typeof n !== 'object' || n === null || Array.isArray(n)) problems.push('normalized is not an object');
  else {
    for (const [k, v] of Object.entries(n)) {
      if (!FIELDS.has(k)) problems.push(`normalized has ${k}`);
      if (k === 'enabled') {
        if (v !== false) problems.push('normalized enabled is not false (true normalizes to absent)');
      } else if (k === 'noProxy') {
        if (!Array.isArray(v) || v.length === 0 || v.some((e) => typeof e !== 'string' || e === '')) problems.push('bad normalized noProxy');
      } else if (typeof v !== 'string' || v === '') problems.push(`bad normalized ${k}`);
    }
  }
  if (!Array.isArray(r.certificates)) problems.push('certificates is not an array');
  else {
    for (const c of r.certificates) {
      if (!/^[0-9a-f]{64}$/.test(c.sha256Fingerprint)) problems.push('bad fingerprint');
      if (Number.isNaN(Date.parse(c.notBefore)) || Number.isNaN(Date.parse(c.notAfter))) problems.push('bad dates');
      if (!Array.isArray(c.subjectAltNames) || typeof c.isCA !== 'boolean') problems.push('bad certificate description');
    }
  }
  return problems;
}
