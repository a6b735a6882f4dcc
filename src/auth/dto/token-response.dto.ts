import { ApiProperty } from '@nestjs/swagger';
import type { IssuedToken } from '../auth.service';

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256); send as `Authorization: Bearer <accessToken>`' })
  accessToken: string;

  @ApiProperty({ enum: ['bearer'], example: 'bearer' })
  tokenType: 'bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds until the token expires', example: 86400 })
  expiresIn: number;

  static from(token: IssuedToken): TokenResponseDto {
    return { accessToken: token.accessToken, tokenType: token.tokenType, expiresIn: token.expiresInSeconds };
  }
}
