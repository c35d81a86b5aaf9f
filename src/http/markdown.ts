import type { FastifyReply } from 'fastify';

/** Markdown for chat when asked with ?format=markdown, or with Accept: text/markdown and no format. */
export function wantsMarkdown(format: string | undefined, accept: string | undefined): boolean {
  return format === 'markdown' || (format === undefined && /\btext\/markdown\b/.test(accept ?? ''));
}

/** Sends Markdown text as the response body. */
export function sendMarkdown(reply: FastifyReply, text: string): string {
  reply.type('text/markdown; charset=utf-8');
  return text;
}
