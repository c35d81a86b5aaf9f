import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ClientAnswer } from '../domain/explain/types';
import { FindingResponse } from '../common/domain.responses';

export class ClientVerdictResponse implements ClientAnswer {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The proxy URL the client uses, or null for a direct connection (null always means direct); absent when the client makes no request',
  })
  proxy?: string | null;
  @ApiProperty({ description: 'The noProxy entry or rule that decided' }) reason!: string;
  @ApiPropertyOptional({ enum: ['no request'], description: 'Set, with no proxy, when the client makes no request at all' }) error?: 'no request';
}

export class ExplainClientsResponse {
  @ApiProperty() go!: ClientVerdictResponse;
  @ApiProperty() curl!: ClientVerdictResponse;
  @ApiProperty() 'python-urllib'!: ClientVerdictResponse;
  @ApiProperty() 'python-requests'!: ClientVerdictResponse;
  @ApiProperty() 'node-undici'!: ClientVerdictResponse;
  @ApiProperty() ruby!: ClientVerdictResponse;
}

export class ExplainUrlResponse {
  @ApiProperty() url!: string;
  @ApiPropertyOptional({ description: 'Set, with no clients, when the URL is not an absolute http or https URL (POST /v1/explain)' }) error?: string;
  @ApiPropertyOptional({ description: 'Absent when error is set' }) clients?: ExplainClientsResponse;
}

export class ExplainResponse {
  @ApiProperty({ type: [String] }) effectiveNoProxy!: string[];
  @ApiProperty({ type: [ExplainUrlResponse] }) results!: ExplainUrlResponse[];
  @ApiPropertyOptional({ type: [FindingResponse], description: 'POST /v1/explain only: the findings of the config' }) findings?: FindingResponse[];
}
