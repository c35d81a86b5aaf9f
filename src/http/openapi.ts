import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
