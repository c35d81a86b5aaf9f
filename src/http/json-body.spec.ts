import { describe, expect, it } from 'vitest';
import { jsonShapeProblem, MAX_JSON_ARRAY_ELEMENTS, MAX_JSON_DEPTH } from './json-body';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('jsonShapeProblem', () => {
  it('allows 64 levels and refuses 65, arrays and objects alike', () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))).toBe('depth');
    expect(jsonShapeProblem('{"a":'.repeat(65) + '1' + '}'.repeat(65))).toBe('depth');
    expect(jsonShapeProblem('{"a":'.repeat(64) + '1' + '}'.repeat(64))).toBeNull();
    expect(jsonShapeProblem(nested(5000))).toBe('depth');
  });

  it('does not count brackets, braces, commas or escaped quotes inside strings', () => {
    expect(jsonShapeProblem(JSON.stringify({ a: '['.repeat(200), b: '{\\"['.repeat(100) }))).toBeNull();
    expect(jsonShapeProblem(JSON.stringify(['"' + '['.repeat(200)]))).toBeNull();
    expect(jsonShapeProblem(JSON.stringify([','.repeat(MAX_JSON_ARRAY_ELEMENTS * 2)]))).toBeNull();
    // a quote escaped inside a string does not end it
    expect(jsonShapeProblem(`["\\"${'['.repeat(100)}"]`)).toBeNull();
  });

  it('allows arrays and objects of 10,000 elements and refuses larger ones at any depth', () => {
    expect(jsonShapeProblem(JSON.stringify(Array(MAX_JSON_ARRAY_ELEMENTS).fill(0)))).toBeNull();
    expect(jsonShapeProblem(JSON.stringify(Array(MAX_JSON_ARRAY_ELEMENTS + 1).fill(0)))).toBe('elements');
    expect(jsonShapeProblem(JSON.stringify({ a: { b: Array(MAX_JSON_ARRAY_ELEMENTS + 1).fill({}) } }))).toBe('elements');
    // elements of sibling and nested arrays are counted per array
    expect(jsonShapeProblem(JSON.stringify([Array(6000).fill(1), Array(6000).fill(1)]))).toBeNull();
    const members = Object.fromEntries(Array.from({ length: MAX_JSON_ARRAY_ELEMENTS + 5 }, (_, i) => [`k${i}`, i]));
    expect(jsonShapeProblem(JSON.stringify(members))).toBe('elements');
    expect(jsonShapeProblem(JSON.stringify(Object.fromEntries(Object.entries(members).slice(0, MAX_JSON_ARRAY_ELEMENTS))))).toBeNull();
  });
});
