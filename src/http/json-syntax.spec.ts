import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from './json-syntax';

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on what is JSON (property, on JSON texts and on mutilated ones)', () => {
    const mutilated = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '{', '[', "'"))
      .map(([json, at, insert]) => json.slice(0, at % (json.length + 1)) + insert + json.slice(at % (json.length + 1)));
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutilated, fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const at = findJsonSyntaxError(text);
        expect(at === null).toBe(valid);
        if (at) {
          expect(at.offset).toBeGreaterThanOrEqual(0);
          expect(at.offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('says where, 1-based, and what was expected', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n  "b": 2,\n}')).toEqual({ offset: 22, line: 4, column: 1, problem: 'a comma before } (trailing commas are not JSON)' });
    expect(findJsonSyntaxError('[1, 2')).toMatchObject({ offset: 5, line: 1, column: 6, problem: 'an array is not closed (missing ])' });
    expect(findJsonSyntaxError('{"a": "x\ny"}')).toMatchObject({ line: 1, column: 9, problem: expect.stringContaining('raw control character') });
    expect(findJsonSyntaxError('')).toMatchObject({ offset: 0, problem: 'expected a value but the body ends' });
  });

  it('does not overflow the stack on deep nesting', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))).toMatchObject({ problem: 'nested too deeply' });
  });
});
