import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

/** Answers `json`, or the Markdown `markdown()` renders when the request asks for it (see wantsMarkdown). */
export type JsonOrMarkdown = <T>(format: MarkdownFormat | undefined, json: T, markdown: () => string) => T | string;

/** The JsonOrMarkdown of a route that offers Markdown for chat (it reads Accept and sets Vary and Content-Type). */
export const JsonOrMarkdownAnswer = createParamDecorator((_: unknown, ctx: ExecutionContext): JsonOrMarkdown => {
  const http = ctx.switchToHttp();
  const accept = http.getRequest<FastifyRequest>().headers.accept;
  const reply = http.getResponse<FastifyReply>();
  return (format, json, markdown) => (wantsMarkdown(format, accept, reply) ? sendMarkdown(reply, markdown()) : json);
});
