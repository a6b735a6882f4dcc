import { ApiProperty } from '@nestjs/swagger';
import type { TokenValidity } from '../domain/token-claims';

export class VerifyResponseDto {
  @ApiProperty({ enum: [true], description: 'Always true: an invalid token gets a 401 instead' })
  valid: true;

  @ApiProperty({ example: 'operator' })
  subject: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-25T16:00:00.000Z' })
  issued_at: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-26T16:00:00.000Z' })
  expires_at: string;

  @ApiProperty({ type: 'integer', description: 'Whole seconds until expiry', example: 86399 })
  expires_in: number;

  static from(validity: TokenValidity): VerifyResponseDto {
    return {
      valid: true,
      subject: validity.subject,
      issued_at: validity.issuedAt.toISOString(),
      expires_at: validity.expiresAt.toISOString(),
      expires_in: validity.expiresInSeconds,
    };
  }
}
