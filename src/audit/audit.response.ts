import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditEventView } from './audit.service';

export class AuditEventResponse implements AuditEventView {
  @ApiProperty({ type: 'integer' }) seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The bot key that acted for the actor' }) via!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ type: String, nullable: true }) cluster!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) version!: number | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
  @ApiProperty() hash!: string;
  @ApiProperty() prevHash!: string;
}

export class AuditVerificationResponse {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ type: 'integer' }) events!: number;
  @ApiProperty({ description: 'hash of the last event' }) head!: string;
  @ApiPropertyOptional({ type: 'integer', description: 'when ok is false: the first bad event (API.md)' }) seq?: number;
  @ApiPropertyOptional({ description: 'when ok is false: what is wrong' }) reason?: string;
}
