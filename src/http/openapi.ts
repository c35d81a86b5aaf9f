import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** X-Acting-For, as every authenticated operation documents it. */
const ACTING_FOR: ParameterObject = {
  name: 'X-Acting-For',
  in: 'header',
  required: false,
  description:
    'With a key that may act for others (canActFor, a ChatOps bot): the person the request is made for. That person is the actor (and is held to separation of duties); the key is recorded as `via`. Other keys get 403.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._@+-]{1,128}$' },
};

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AKS HTTP proxy config service')
    .setDescription(
      'Validate, version, approve, audit and render the HTTP proxy settings of AKS clusters. Errors are RFC 9457 application/problem+json with a stable `code`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque API key (apc_...)', description: 'An API key token from POST /v1/api-keys, or ADMIN_TOKEN' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  // /healthz, /readyz and /metrics need no token.
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    for (const operation of Object.values(document.paths[path] ?? {})) {
      if (operation && typeof operation === 'object' && 'responses' in operation) operation.security = [];
    }
  }
  // Every route that takes a token also takes X-Acting-For (the auth guard reads it for every one of them).
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      if (Array.isArray(operation.security) && operation.security.length === 0) continue;
      operation.parameters = [...(operation.parameters ?? []), ACTING_FOR];
    }
  }
  return document;
}

/** Serves the OpenAPI document at /openapi.json and Swagger UI at /docs. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'AKS HTTP proxy config service',
  });
}
