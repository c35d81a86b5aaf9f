import type { FastifyReply } from 'fastify';

/** The values of a `format` query parameter on the routes that offer Markdown (both explain routes and the diff). */
export const MARKDOWN_FORMATS = ['json', 'markdown'] as const;
export type MarkdownFormat = (typeof MARKDOWN_FORMATS)[number];

/**
 * Markdown for chat when asked with ?format=markdown, or with Accept: text/markdown and no format; the same rule on
 * every route that offers it. The answer depends on Accept, so it says `Vary: Accept` either way.
 */
export function wantsMarkdown(format: string | undefined, accept: string | undefined, reply?: FastifyReply): boolean {
  reply?.header('vary', 'Accept');
  return format === 'markdown' || (format === undefined && /\btext\/markdown\b/.test(accept ?? ''));
}

/** Sends Markdown text as the response body. */
export function sendMarkdown(reply: FastifyReply, text: string): string {
  reply.type('text/markdown; charset=utf-8');
  return text;
}
