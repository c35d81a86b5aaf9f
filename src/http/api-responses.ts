import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** Response headers as the OpenAPI document declares them. */
export const ETAG_HEADER: HeadersObject = { ETag: { description: 'The cluster revision as an ETag, "r<revision>"; send it back in If-Match', schema: { type: 'string' } } };
export const LOCATION_HEADER: HeadersObject = { Location: { description: 'The URL of what was created', schema: { type: 'string' } } };
export const CONTENT_LOCATION_HEADER: HeadersObject = {
  'Content-Location': { description: 'The URL of the existing resource this answer is', schema: { type: 'string' } },
};
export const LINK_HEADER: HeadersObject = { Link: { description: 'rel="next": the next page, when there is one', schema: { type: 'string' } } };

const pages = new Map<Type<unknown>, Type<unknown>>();

/** `{ items: [...], nextCursor }` of `item`, as a named schema (`<Item>Page`), with a Link header for the next page. */
export function PageOf<T>(item: Type<T>): Type<{ items: T[]; nextCursor: string | null }> {
  let page = pages.get(item);
  if (!page) {
    class Page {
      @ApiProperty({ type: [item] }) items!: T[];
      @ApiProperty({ type: String, nullable: true, description: 'Opaque cursor for the next page' }) nextCursor!: string | null;
    }
    Object.defineProperty(Page, 'name', { value: `${item.name.replace(/Response$|View$/, '')}Page` });
    page = Page;
    pages.set(item, page);
  }
  return page as Type<{ items: T[]; nextCursor: string | null }>;
}

/** 200 with `model` as JSON, or its Markdown rendering for chat (?format=markdown or Accept: text/markdown). */
export function ApiJsonOrMarkdownResponse(model: Type<unknown>, description: string) {
  return applyDecorators(
    ApiProduces('application/json', 'text/markdown'),
    ApiExtraModels(model),
    ApiOkResponse({
      description,
      content: { 'application/json': { schema: { $ref: getSchemaPath(model) } }, 'text/markdown': { schema: { type: 'string' } } },
    }),
  );
}
