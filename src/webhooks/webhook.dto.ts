import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '../common/is-optional-not-null.decorator';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { WEBHOOK_FORMATS, type WebhookFormat } from './payloads';
import { ALL_EVENTS, WEBHOOK_EVENT_ACTIONS } from './webhook-actions';

const EVENT_CHOICES = [ALL_EVENTS, ...WEBHOOK_EVENT_ACTIONS];
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,63}$/;
const lower = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value);

// applyDecorators applies its decorators in the order given, the reverse of stacked ones: these are listed bottom-up,
// so that a field failing several checks is still described by its first check (see http/validation-errors.ts).

/** events (on create and update): 1 to 50 distinct audit actions, or "*". */
const IsEventList = () =>
  applyDecorators(
    IsIn(EVENT_CHOICES, { each: true, message: `each value in events must be "*" or one of ${WEBHOOK_EVENT_ACTIONS.join(', ')}` }),
    ArrayUnique(),
    ArrayMaxSize(50),
    ArrayMinSize(1),
  );

/** clusters (on create and update): up to 200 distinct cluster names, kept lower-cased. */
const IsClusterList = () =>
  applyDecorators(
    Matches(CLUSTER_NAME, { each: true, message: 'each value in clusters must be a cluster name (1-63 letters, digits, - or _)' }),
    ArrayUnique(),
    ArrayMaxSize(200),
    Transform(lower),
  );

export class CreateWebhookDto {
  @ApiProperty({ description: 'Where deliveries are POSTed (http or https; no user info; a secret itself)', example: 'https://hooks.example.com/aks-proxy', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ description: 'Audit actions to receive, or ["*"] for all', enum: EVENT_CHOICES, isArray: true, example: ['config.submitted', 'config.approved'] })
  @IsEventList()
  events!: string[];

  @ApiPropertyOptional({ description: 'Only events of these clusters (default: every event)', type: [String], example: ['prod-weu-1'] })
  @IsOptional()
  @IsClusterList()
  clusters?: string[];

  @ApiPropertyOptional({ enum: WEBHOOK_FORMATS, default: 'cloudevents' })
  @IsOptional()
  @IsIn(WEBHOOK_FORMATS)
  format?: WebhookFormat;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_CHOICES, isArray: true })
  @IsOptionalNotNull()
  @IsEventList()
  events?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsClusterList()
  clusters?: string[];

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class WebhookView {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ type: [String], description: 'Empty: every cluster' }) clusters!: string[];
  @ApiProperty({ enum: WEBHOOK_FORMATS }) format!: WebhookFormat;
  @ApiProperty() description!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class WebhookWithSecretView extends WebhookView {
  @ApiProperty({ description: 'The signing secret (whsec_ + base64): shown in this response only', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}

export class DeliveryView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'The event id: webhook-id header and CloudEvent id', example: 'evt_42' }) eventId!: string;
  @ApiProperty({ example: 'com.aksproxy.config.approved' }) type!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: 'pending' | 'delivered' | 'failed';
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'HTTP status of the last attempt' }) lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class AttemptView {
  @ApiProperty() number!: number;
  @ApiProperty() at!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'At most 1 KB of the answer' }) responseBody!: string | null;
}

export class DeliveryWithAttemptsView extends DeliveryView {
  @ApiProperty({ type: [AttemptView] }) attemptLog!: AttemptView[];
}
