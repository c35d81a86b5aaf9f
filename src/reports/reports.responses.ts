import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../http/pagination';

export const DEFAULT_EXPIRING_WITHIN_DAYS = 30;
export const MAX_EXPIRING_WITHIN_DAYS = 36_500;

export class TrustedCaReportQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', description: 'Days from now (default 30); certificates already expired are always listed', minimum: 0, maximum: MAX_EXPIRING_WITHIN_DAYS, default: DEFAULT_EXPIRING_WITHIN_DAYS })
  @IsOptional()
  @MaxLength(5, { message: `expiringWithin must be a whole number of days from 0 to ${MAX_EXPIRING_WITHIN_DAYS}` })
  @Matches(/^\d{1,5}$/, { message: `expiringWithin must be a whole number of days from 0 to ${MAX_EXPIRING_WITHIN_DAYS}` })
  expiringWithin?: string;
}

export class ExpiringCertificateResponse {
  @ApiProperty() cluster!: string;
  @ApiProperty({ type: 'integer', description: "The cluster's current version" }) version!: number;
  @ApiProperty() subject!: string;
  @ApiProperty({ description: 'lower-case hex' }) sha256Fingerprint!: string;
  @ApiProperty({ format: 'date-time' }) notAfter!: string;
  @ApiProperty({ type: 'integer', description: 'Whole days left (negative once expired)' }) daysLeft!: number;
}
