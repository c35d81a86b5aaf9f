import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ROLES, type Role } from '../auth/roles';
import { IsRfc3339 } from '../common/text.validators';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'Who or what uses the key (recorded as the actor, lower-cased); case-insensitively unique', example: 'alice', pattern: '^[A-Za-z0-9._@+-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@+-]{1,64}$/, { message: 'name must be 1-64 letters, digits or . _ @ + -' })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['submitter'] })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ description: 'May act for a person with X-Acting-For (ChatOps bots)', default: false })
  @IsOptional()
  @IsBoolean()
  canActFor?: boolean;

  @ApiPropertyOptional({ description: 'RFC 3339 time in the future from which the key is refused (401); null or absent: never', format: 'date-time', nullable: true, type: String, example: '2027-06-30T00:00:00Z' })
  @IsOptional()
  @IsRfc3339()
  expiresAt?: string | null;
}

export class ApiKeyView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty() canActFor!: boolean;
  @ApiProperty({ description: 'The first characters of the token' }) tokenPrefix!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'From then on the key is refused; null: never' }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the key was last used (written at most once a minute)' })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The token: shown this once, stored only as a hash' }) token!: string;
}
