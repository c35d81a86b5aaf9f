import { Body, Controller, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ValidationResultResponse } from './validation.response';
import { ValidateService } from './validate.service';
import { ValidateQueryDto } from './validate-query.dto';
import type { ValidationResult } from '../domain/proxy-config';

@ApiTags('validate')
@RequireRole('reader')
@Controller('v1/validate')
export class ValidateController {
  constructor(private readonly validation: ValidateService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Validate a config exactly as the az aks --http-proxy-config file holds it',
    description: 'Answers 200 for any JSON object, valid or not, with findings, the normalized config and certificate descriptions.',
  })
  @ApiQuery({ name: 'cluster', required: false, description: 'Apply the rules of this registered cluster too' })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: true,
      example: { httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example', '10.0.0.0/8'] },
    },
  })
  @ApiOkResponse({ description: 'The findings, the normalized config and the certificates', type: ValidationResultResponse })
  @ApiProblemResponses(400, 401, 403, 404, 413, 415)
  async validate(
    @Body() body: unknown,
    @Query() query: ValidateQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ValidationResult> {
    // The body's size, read here rather than through @Headers(): a parameter decorator costs every request a run
    // through the global pipes.
    const answer = await this.validation.validate(body, query.cluster, Number(reply.request.headers['content-length']) || 0);
    if (!Buffer.isBuffer(answer)) return answer;
    // A big config's result comes from the worker as JSON in UTF-8: it goes out as it is.
    reply.type('application/json; charset=utf-8');
    return answer as unknown as ValidationResult;
  }
}
