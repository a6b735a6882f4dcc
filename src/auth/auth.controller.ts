import { Body, Controller, Get, Header, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipIdempotency } from '../idempotency/skip-idempotency.decorator';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { AuthPrincipal, AuthService } from './auth.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { VerifyResponseDto } from './dto/verify-response.dto';
import { Public } from './public.decorator';

// RFC 6749 §5.1: responses carrying a token must not be stored by any cache.
const NO_STORE = ['Cache-Control', 'no-store'] as const;

const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds until this client address may try again', schema: { type: 'integer' } },
};

// Client address: Fastify's request.ip, the socket peer (trustProxy is off, so X-Forwarded-For cannot spoof it).
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @SkipIdempotency()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header(...NO_STORE)
  @ApiOperation({ summary: 'Exchange the password for a bearer token; throttled per client address' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Missing or malformed field' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong password (code INVALID_CREDENTIALS)' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    headers: RETRY_AFTER_HEADER,
    description: 'Too many failed attempts from this address (code LOGIN_THROTTLED), even with the right password',
  })
  async login(@Body() { password }: LoginDto, @Ip() clientAddress: string): Promise<TokenResponseDto> {
    return TokenResponseDto.from(await this.auth.login(password, clientAddress));
  }

  @SkipIdempotency()
  @Post('change-password')
  @HttpCode(HttpStatus.OK)
  @Header(...NO_STORE)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change the password; every token issued before stops working, the response carries a fresh one',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Missing field, or newPassword too short/long or equal to the current one',
  })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, invalid, expired or revoked token' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'currentPassword is wrong (code WRONG_PASSWORD)' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Changed concurrently by another request; retry' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    headers: RETRY_AFTER_HEADER,
    description: 'Too many wrong passwords',
  })
  async changePassword(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: ChangePasswordDto,
    @Ip() clientAddress: string,
  ): Promise<TokenResponseDto> {
    const input = { currentPassword: body.currentPassword, newPassword: body.newPassword };
    return TokenResponseDto.from(await this.auth.changePassword(principal, input, clientAddress));
  }

  @Get('verify')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Validity and expiry of the presented token' })
  @ApiOkResponse({ type: VerifyResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, invalid, expired or revoked token' })
  verify(@CurrentPrincipal() principal: AuthPrincipal): VerifyResponseDto {
    return VerifyResponseDto.from(this.auth.validity(principal));
  }
}
