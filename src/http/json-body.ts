import type { FastifyInstance } from 'fastify';
import { badRequest } from '../common/service-error';
import { locatingJsonErrors } from './json-syntax';

/** The deepest JSON nesting any body may have (API.md "Limits"): no DTO or config needs more than a handful. */
export const MAX_JSON_DEPTH = 64;

/**
 * The most elements one JSON array (or members one JSON object) in a body may hold. No field of the API needs
 * more (the largest documented bounds are 100 node pools and 50 URLs; a noProxy list of 10,000 entries is far beyond
 * any cluster's), and every element costs work in class-transformer, class-validator and the domain rules: 100,000
 * cost seconds.
 */
export const MAX_JSON_ARRAY_ELEMENTS = 10_000;

export type JsonShapeProblem = 'depth' | 'elements' | null;

/**
 * What is out of bounds in a JSON text's shape: nesting deeper than MAX_JSON_DEPTH ('depth') or an array or object
 * of more than MAX_JSON_ARRAY_ELEMENTS elements or members ('elements'), else null. One pass over the characters with a fixed stack of
 * counters, no recursion and no allocation per element: brackets and commas inside strings do not count.
 * Malformed text is left to JSON.parse. A text shorter than 2 × max + 2 characters can break neither bound and
 * still be valid JSON, so small bodies (most of /v1/validate's) skip the scan.
 */
export function jsonShapeProblem(text: string, maxDepth = MAX_JSON_DEPTH, maxElements = MAX_JSON_ARRAY_ELEMENTS): JsonShapeProblem {
  const length = text.length;
  if (length < 2 * Math.min(maxDepth, maxElements) + 2) return null;
  // commas[d] counts the commas of the container open at depth d
  const commas = new Int32Array(maxDepth + 2);
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x2c /* , */) {
      if (depth > 0 && ++commas[depth] >= maxElements) return 'elements';
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return 'depth';
      commas[depth] = 0;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) depth--;
    }
  }
  return null;
}

/**
 * Replaces Fastify's application/json parser with the same parser (secure-json-parse with the app's
 * prototype-poisoning settings, the body limit) behind a shape check (and an empty body read as no body), so that a body nested deeper than
 * MAX_JSON_DEPTH, or with an array longer than MAX_JSON_ARRAY_ELEMENTS, is 400 on every route before anything walks
 * it: class-transformer recurses per level and overflows the stack at about 1,300 levels.
 */
export function installJsonParser(
  fastify: FastifyInstance,
  options: { bodyLimit: number; onProtoPoisoning: 'error' | 'remove' | 'ignore'; onConstructorPoisoning: 'error' | 'remove' | 'ignore' },
): void {
  const parse = fastify.getDefaultJsonParser(options.onProtoPoisoning, options.onConstructorPoisoning);
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (request, body, done) => {
    const text = body as string;
    // No body at all, sent with a JSON Content-Type (as many HTTP client wrappers do on every request): a route that
    // takes no body (DELETE, ping, rotate-secret, withdraw) goes on; one that needs a body refuses its absence as 400.
    // (A test, not trim(): no copy of every body; it stops at the first character that is not white space.)
    if (/^\s*$/.test(text)) {
      done(null, undefined);
      return;
    }
    const problem = jsonShapeProblem(text);
    if (problem) {
      done(
        badRequest(
          problem === 'depth'
            ? `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels, the limit.`
            : `The JSON body has an array or object of more than ${MAX_JSON_ARRAY_ELEMENTS} elements, the limit.`,
        ),
        undefined,
      );
      return;
    }
    parse(request, text, locatingJsonErrors(text, done));
  });
}
