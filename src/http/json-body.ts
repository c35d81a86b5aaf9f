import type { FastifyInstance } from 'fastify';
import { badRequest } from '../common/service-error';

/** The deepest JSON nesting any body may have (API.md "Limits"): no DTO or config needs more than a handful. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a JSON text nests arrays and objects deeper than `max`. One pass over the characters, no recursion and
 * no allocation: brackets inside strings (and escaped quotes) do not count. Malformed text is left to JSON.parse.
 * A text shorter than 2 × max + 2 characters cannot nest deeper than max and still be valid JSON, so small bodies
 * (most of /v1/validate's) skip the scan.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  const length = text.length;
  if (length < 2 * max + 2) return false;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // skip the string: to the next quote that is not escaped
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * Replaces Fastify's application/json parser with the same parser (secure-json-parse with the app's
 * prototype-poisoning settings, the body limit) behind a depth check, so that a body nested deeper than
 * MAX_JSON_DEPTH is 400 on every route before anything walks it: class-transformer recurses per level and
 * overflows the stack at about 1,300 levels.
 */
export function installJsonParser(
  fastify: FastifyInstance,
  options: { bodyLimit: number; onProtoPoisoning: 'error' | 'remove' | 'ignore'; onConstructorPoisoning: 'error' | 'remove' | 'ignore' },
): void {
  const parse = fastify.getDefaultJsonParser(options.onProtoPoisoning, options.onConstructorPoisoning);
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text)) {
      done(badRequest(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels, the limit.`), undefined);
      return;
    }
    parse(request, text, done);
  });
}
