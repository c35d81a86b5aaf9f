import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ClientVerdict } from '../domain/explain/types';
import { FindingResponse } from '../common/domain.responses';

export class ClientVerdictResponse implements ClientVerdict {
  @ApiProperty({ type: String, nullable: true, description: 'The proxy URL the client uses, or null for a direct connection' }) proxy!: string | null;
  @ApiProperty() reason!: string;
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
  @ApiPropertyOptional({ description: 'Set when the URL is invalid' }) error?: string;
  @ApiProperty() clients!: ExplainClientsResponse;
}

export class ExplainResponse {
  @ApiProperty({ type: [String] }) effectiveNoProxy!: string[];
  @ApiProperty({ type: [ExplainUrlResponse] }) results!: ExplainUrlResponse[];
  @ApiPropertyOptional({ type: [FindingResponse], description: 'POST /v1/explain only: the findings of the config' }) findings?: FindingResponse[];
}
