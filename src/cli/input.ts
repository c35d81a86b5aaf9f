import { readFile } from 'node:fs/promises';
import type { Node as JsonNode } from 'jsonc-parser';

/**
 * Reading the files the CLI is given: bytes to text (UTF-8 with or without a BOM, UTF-16 with a BOM, as Windows
 * PowerShell writes it), text to a JSON value, and JSON Pointers back to line and column of the text, so that a
 * finding's `pointer` becomes `file:line:column`. Line breaks are LF, CRLF or a lone CR; columns count UTF-16 code
 * units from 1 (SARIF's default `columnKind`), after a BOM, which editors do not show.
 */

/** An input the CLI cannot read (missing, not text, not JSON): exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The name stdin goes by in messages and reports. */
export const STDIN_NAME = '<stdin>';

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units. */
  column: number;
}

export interface Region {
  start: Position;
  end: Position;
}

export interface JsonDocument {
  /** The name as given on the command line (`<stdin>` for `-`). */
  name: string;
  /** The text, without a BOM. */
  text: string;
  value: unknown;
  /** Where the value a pointer names is; an unresolvable segment stops at its deepest resolvable ancestor. */
  locate(pointer: string): Region;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Reads a file (or stdin for `-`) as JSON. Throws InputError for anything that is not readable JSON text. */
export async function readJsonDocument(path: string): Promise<JsonDocument> {
  const name = path === '-' ? STDIN_NAME : path;
  let bytes: Buffer;
  try {
    bytes = path === '-' ? await readStdin() : await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new InputError(`${name}: cannot read it: ${why}.`);
  }
  return parseJsonDocument(name, decode(name, bytes));
}

/** Bytes to text: UTF-8 (a BOM is dropped), or UTF-16 when a UTF-16 BOM says so. */
export function decode(name: string, bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const at = firstInvalidUtf8(body);
    throw new InputError(`${name}: not UTF-8 text (an invalid byte at offset ${at}); save it as UTF-8.`);
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  // Binary search for the shortest prefix that fails to decode (a fresh streaming decoder per probe, so that an
  // incomplete sequence at the end of a prefix is no error).
  let lo = 0;
  let hi = bytes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  // A sequence cut short by byte `lo`: the culprit is its lead byte (the prefix before `lo` does not flush).
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, lo));
    return lo;
  } catch {
    let k = lo - 1;
    while (k > 0 && bytes[k]! >= 0x80 && bytes[k]! < 0xc0) k--;
    return k;
  }
}

/** The line starts of a text, built once per document and searched by offset. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** The segments of an RFC 6901 pointer. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Text to a JSON document. Throws InputError, with line and column, for text that is not JSON. */
export function parseJsonDocument(name: string, text: string): JsonDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(notJsonMessage(name, text, error as Error));
  }
  let lines: LineIndex | undefined;
  let tree: JsonNode | undefined;
  const jsonc = (): typeof import('jsonc-parser') => require('jsonc-parser') as typeof import('jsonc-parser');
  const position = (offset: number): Position => (lines ??= new LineIndex(text)).position(offset);
  return {
    name,
    text,
    value,
    locate(pointer: string): Region {
      tree ??= jsonc().parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
      let node: JsonNode | undefined = tree;
      if (!node) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
      for (const segment of pointerSegments(pointer)) {
        const next = child(node, segment);
        if (!next) break;
        node = next;
      }
      return { start: position(node.offset), end: position(node.offset + node.length) };
    },
  };
}

/** The value a pointer segment names under `node`; for a key given twice, the last one (as JSON.parse keeps it). */
function child(node: JsonNode, segment: string): JsonNode | undefined {
  if (node.type === 'object') {
    let found: JsonNode | undefined;
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key && value && key.value === segment) found = value;
    }
    return found;
  }
  if (node.type === 'array' && /^(0|[1-9][0-9]*)$/.test(segment)) return node.children?.[Number(segment)];
  return undefined;
}

const PARSE_ERRORS: Record<string, string> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a property name (in double quotes) was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'the end of the document was expected (more than one value, or text after it)',
  InvalidCommentToken: 'a comment, which JSON does not allow',
  UnexpectedEndOfComment: 'an unterminated comment',
  UnexpectedEndOfString: 'an unterminated string',
  UnexpectedEndOfNumber: 'an unterminated number',
  InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape character',
  InvalidCharacter: 'a control character inside a string',
};

/** "file:line:column: not JSON: why", found by a strict second parse that reports offsets. */
function notJsonMessage(name: string, text: string, error: Error): string {
  if (text.trim() === '') return `${name}:1:1: not JSON: the file is empty.`;
  const jsonc = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: import('jsonc-parser').ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    const { line, column } = new LineIndex(text).position(first.offset);
    const why = PARSE_ERRORS[jsonc.printParseErrorCode(first.error)] ?? jsonc.printParseErrorCode(first.error);
    return `${name}:${line}:${column}: not JSON: ${why}.`;
  }
  // Something only JSON.parse refuses (a trailing comma): its own message carries the position.
  const match = /line (\d+) column (\d+)/.exec(error.message);
  const at = match ? `${match[1]}:${match[2]}` : '1:1';
  return `${name}:${at}: not JSON: ${error.message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/, ".*" is not valid JSON$/s, '')}.`;
}
