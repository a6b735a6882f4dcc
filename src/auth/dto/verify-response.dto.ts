import { ApiProperty } from '@nestjs/swagger';
import type { TokenValidity } from '../domain/token-claims';

export class VerifyResponseDto {
  @ApiProperty({ enum: [true], description: 'Always true: an invalid token gets a 401 instead' })
  valid: true;

  @ApiProperty({ example: 'operator' })
  subject: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-25T16:00:00.000Z' })
  issuedAt: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-26T16:00:00.000Z' })
  expiresAt: string;

  @ApiProperty({ type: 'integer', description: 'Whole seconds until expiry', example: 86399 })
  expiresIn: number;

  static from(validity: TokenValidity): VerifyResponseDto {
    return {
      valid: true,
      subject: validity.subject,
      issuedAt: validity.issuedAt.toISOString(),
      expiresAt: validity.expiresAt.toISOString(),
      expiresIn: validity.expiresInSeconds,
    };
  }
}
