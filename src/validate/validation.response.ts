import { ApiProperty } from '@nestjs/swagger';
import { CertificateResponse, FindingResponse, ProxyConfigResponse } from '../common/domain.responses';
import type { ValidationResult } from '../domain/proxy-config';

export class ValidationResultResponse implements ValidationResult {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: [FindingResponse] }) findings!: FindingResponse[];
  @ApiProperty({ type: ProxyConfigResponse }) normalized!: ProxyConfigResponse;
  @ApiProperty({ type: [CertificateResponse] }) certificates!: CertificateResponse[];
}
