import { ApiProperty } from '@nestjs/swagger';
import type { IssuedToken } from '../auth.service';

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256); send as `Authorization: Bearer <access_token>`' })
  access_token: string;

  @ApiProperty({ enum: ['bearer'], example: 'bearer' })
  token_type: 'bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds until the token expires', example: 86400 })
  expires_in: number;

  static from(token: IssuedToken): TokenResponseDto {
    return { access_token: token.accessToken, token_type: token.tokenType, expires_in: token.expiresInSeconds };
  }
}
