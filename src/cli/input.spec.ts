import { describe, expect, it } from 'vitest';
import { decode, InputError, parseJsonDocument, pointerSegments } from './input';

describe('CLI input: pointers to line and column', () => {
  it('finds the value a pointer names, with LF, CRLF and lone CR line ends alike', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['{', '  "httpProxy": "http://p:3128/",', '  "noProxy": [', '    "a",', '    "*.b"', '  ]', '}'].join(eol);
      const doc = parseJsonDocument('f.json', text);
      expect(doc.locate('/noProxy/1').start).toEqual({ line: 5, column: 5 });
      expect(doc.locate('/noProxy/1').end).toEqual({ line: 5, column: 10 });
      expect(doc.locate('/httpProxy').start).toEqual({ line: 2, column: 16 });
      expect(doc.locate('').start).toEqual({ line: 1, column: 1 });
    }
  });

  it('escaped segments, a key given twice (the last one, as JSON.parse keeps it), and unresolvable segments', () => {
    const text = '{"a/b": {"~x": 1}, "k": 1, "k": [true]}';
    const doc = parseJsonDocument('f.json', text);
    expect(pointerSegments('/a~1b/~0x')).toEqual(['a/b', '~x']);
    expect(doc.locate('/a~1b/~0x').start.column).toBe(text.indexOf('1}') + 1);
    expect(doc.locate('/k').start.column).toBe(text.indexOf('[true]') + 1);
    // A segment that names nothing (a withheld key, an index past the end) stops at the deepest ancestor.
    expect(doc.locate('/k/5').start.column).toBe(text.indexOf('[true]') + 1);
    expect(doc.locate('/[123 characters withheld]').start.column).toBe(1);
  });

  it('columns count UTF-16 code units, as SARIF does by default', () => {
    const text = '{"note": "\u{1F600}", "x": 1}';
    expect(parseJsonDocument('f.json', text).locate('/x').start.column).toBe(text.indexOf('1}') + 1);
  });

  it('not JSON: line and column of the first error, whatever the line ends', () => {
    expect(() => parseJsonDocument('f.json', '{\r\n  "a": 1\r\n  "b": 2\r\n}')).toThrow(new InputError('f.json:3:3: not JSON: a comma was expected.'));
    expect(() => parseJsonDocument('f.json', '{"a": 1} {"b": 2}')).toThrow(/^f\.json:1:10: not JSON: the end of the document was expected/);
    expect(() => parseJsonDocument('f.json', '{"a": "x\ty"}')).toThrow(/^f\.json:1:\d+: not JSON: a control character inside a string/);
    expect(() => parseJsonDocument('f.json', '  \n ')).toThrow('f.json:1:1: not JSON: the file is empty.');
  });

  it('bytes: UTF-8 with or without a BOM, UTF-16 LE and BE with a BOM; anything else is refused', () => {
    const text = '{"a": "é"}';
    expect(decode('f', Buffer.from(text))).toBe(text);
    expect(decode('f', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decode('f', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toBe(text);
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(decode('f', Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
    expect(() => decode('f', Buffer.from([0x7b, 0x22, 0x61, 0xe9, 0x22, 0x7d]))).toThrow('f: not UTF-8 text (an invalid byte at offset 3); save it as UTF-8.');
    expect(() => decode('f', Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x80, 0x22, 0x7d]))).toThrow('(an invalid byte at offset 4)'); // a stray continuation byte
    expect(() => decode('f', Buffer.from([0x7b, 0x22, 0x22, 0x3a, 0x22, 0xe2, 0x82]))).toThrow('(an invalid byte at offset 5)'); // cut short at the end
  });
});
