import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape of every endpoint (SPEC §3). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ example: 'password: password must be a string' }) message: string;
  @ApiProperty({ example: '4bf92f3577b34da6a3ce929d0e0e4736' }) traceId: string;
  @ApiPropertyOptional({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code of a typed error' })
  code?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}
