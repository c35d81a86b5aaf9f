import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CertificateDescription, Finding, FindingCode, ProxyConfig, Severity } from '../domain/proxy-config';

/** Response shapes of domain values shared by several routes (validation, versions, explain, problems): the single source of their OpenAPI schemas. */
export class FindingResponse implements Finding {
  @ApiProperty({ description: 'Stable code from the findings table', type: String }) code!: FindingCode;
  @ApiProperty({ enum: ['error', 'warning', 'info'] }) severity!: Severity;
  @ApiProperty({ description: 'RFC 6901 pointer into the submitted config, or "" for the whole config or the cluster' }) pointer!: string;
  @ApiProperty({ description: 'What is wrong and what to do' }) message!: string;
}

export class ProxyConfigResponse implements ProxyConfig {
  @ApiPropertyOptional() httpProxy?: string;
  @ApiPropertyOptional() httpsProxy?: string;
  @ApiPropertyOptional({ type: [String] }) noProxy?: string[];
  @ApiPropertyOptional({ description: 'base64 of PEM certificates' }) trustedCa?: string;
  @ApiPropertyOptional({ type: Boolean, enum: [false], description: 'Only ever false (the proxy is kept saved but not applied); absent means on' })
  enabled?: boolean;
}

export class CertificateResponse implements CertificateDescription {
  @ApiProperty() subject!: string;
  @ApiProperty() issuer!: string;
  @ApiProperty() serialNumber!: string;
  @ApiProperty({ format: 'date-time' }) notBefore!: string;
  @ApiProperty({ format: 'date-time' }) notAfter!: string;
  @ApiProperty({ description: 'lower-case hex' }) sha256Fingerprint!: string;
  @ApiProperty({ type: [String] }) subjectAltNames!: string[];
  @ApiProperty() isCA!: boolean;
  @ApiProperty() keyAlgorithm!: string;
  @ApiProperty({ type: 'integer', nullable: true }) keySize!: number | null;
  @ApiProperty() signatureAlgorithm!: string;
}
