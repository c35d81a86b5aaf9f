
/** Where a JSON text stops being JSON: the 0-based offset, 1-based line and column, and what was expected. */
export interface JsonSyntaxErrorAt {
  offset: number;
  line: number;
  column: number;
  problem: string;
}

/**
 * Finds the first syntax error of a JSON text (RFC 8259), or null when it is valid JSON. Only run after JSON.parse
 * failed, so it costs nothing on good bodies. It never quotes the text: a body may hold secrets, so the caller says
 * where, and what kind of token was expected, not what was there.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxErrorAt | null {
  let i = 0;
  const n = text.length;
  const fail = (problem: string, at = i): never => {
    throw Object.assign(new Error(problem), { at });
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = () => (i >= n ? 'the body ends' : 'an unexpected character');
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`expected a value but found ${describe()}`);
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= n) fail('a string is not closed (missing ")');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('a string holds a raw control character or line break (write it escaped, e.g. \\n)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('a string holds an invalid escape (after a backslash only " \\ / b f n r t u may follow)');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0] === '') fail('a number is malformed');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    ws();
    if (i >= n) fail('expected a value but the body ends');
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    if (c === '-' || (c! >= '0' && c! <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === "'") fail('strings and names need double quotes (")');
    fail('expected a value (an object, array, string, number, true, false or null)');
  };
  const object = (depth: number) => {
    if (depth > 1000) fail('nested too deeply');
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before } (trailing commas are not JSON)' : 'expected a property name in double quotes');
      string();
      ws();
      if (text[i] !== ':') fail('expected : after a property name');
      i++;
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(i >= n ? 'an object is not closed (missing })' : 'expected , or } after a property value');
    }
  };
  const array = (depth: number) => {
    if (depth > 1000) fail('nested too deeply');
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') fail('a comma before ] (trailing commas are not JSON)');
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(i >= n ? 'an array is not closed (missing ])' : 'expected , or ] after an array element');
    }
  };
  try {
    // A byte order mark is not JSON either, but say so plainly.
    if (text.charCodeAt(0) === 0xfeff) fail('the body starts with a byte order mark');
    value(0);
    ws();
    if (i < n) fail('more follows after the JSON value');
    return null;
  } catch (err) {
    const at = (err as { at?: number }).at;
    if (typeof at !== 'number') throw err;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - (before.lastIndexOf('\n') + 1) + 1;
    return { offset: at, line, column, problem: (err as Error).message };
  }
}

/** The error a malformed JSON body becomes: Fastify's own code and status, with where and what in its message. */
export class JsonBodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_INVALID_JSON_BODY';
  constructor(readonly at: JsonSyntaxErrorAt) {
    super(`The body is not valid JSON: at line ${at.line}, column ${at.column} (offset ${at.offset}), ${at.problem}.`);
  }
}

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Wraps a JSON parser's callback: Fastify's "invalid JSON body" error becomes one that says where the text breaks
 * (line, column, offset) and what was expected, never what it holds. Other errors and results pass through.
 */
export function locatingJsonErrors(text: string, done: Done): Done {
  return (err, value) => {
    if (err && (err as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' && !(err instanceof JsonBodyError)) {
      const at = findJsonSyntaxError(text);
      // No syntax error: the body was refused for a __proto__ or constructor.prototype key (Fastify's message).
      done(at ? new JsonBodyError(at) : err);
      return;
    }
    done(err, value);
  };
}
