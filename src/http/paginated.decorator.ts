import { applyDecorators, type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, type Type, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { LINK_HEADER, PageOf } from './api-responses';
import type { Page } from './pagination';

/** Sets `Link: <...>; rel="next"` (this URL with the next cursor) for a page that has a next one. */
export function setNextLink(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null): void {
  if (!nextCursor) return;
  const url = new URL(request.url, 'http://localhost');
  url.searchParams.set('cursor', nextCursor);
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}

/** A page already serialized (kept by a cache): its JSON text, sent as it is, and the cursor of the next page. */
export class SerializedPage {
  constructor(
    readonly body: string,
    readonly nextCursor: string | null,
  ) {}
}

/** Gives the page a handler returns its `Link` header (see Paginated); a SerializedPage goes out as its JSON text. */
@Injectable()
export class NextLinkInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<Page<unknown> | SerializedPage>): Observable<Page<unknown> | string> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((page) => {
        const reply = http.getResponse<FastifyReply>();
        setNextLink(http.getRequest<FastifyRequest>(), reply, page.nextCursor);
        if (!(page instanceof SerializedPage)) return page;
        // Fastify does not serialize a string again: the same bytes as the page object would give
        reply.type('application/json; charset=utf-8');
        return page.body;
      }),
    );
  }
}

/**
 * A route that answers a page of `item` (`{ items, nextCursor }`, the named schema `<Item>Page`, or a SerializedPage
 * of it) with a `Link` header to the next page when there is one: the document says so and the response does so, from
 * the one decorator.
 */
export function Paginated(item: Type<unknown>, description: string) {
  return applyDecorators(ApiOkResponse({ description, type: PageOf(item), headers: LINK_HEADER }), UseInterceptors(NextLinkInterceptor));
}
