import { Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { BreakerGroupParamDto, BreakerStatusDto, ExchangeStatusResponseDto } from './dto/exchange-status.dto';
import { toBreakerStatusDto, toRateLimitStatusDto } from './exchange-status.mapper';
import { ExchangeConnectionService } from './exchange-connection.service';
import { EXCHANGE_SETTINGS, ExchangeSettings } from './exchange.settings';
import { CircuitBreakerRegistry } from './resilience/circuit-breaker.registry';

@ApiTags('exchange')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('exchange')
export class ExchangeController {
  constructor(
    private readonly connection: ExchangeConnectionService,
    private readonly breakers: CircuitBreakerRegistry,
    @Inject(EXCHANGE_SETTINGS) private readonly settings: ExchangeSettings,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'Connections, circuit breakers and rate limiters of the Bybit client' })
  @ApiOkResponse({ type: ExchangeStatusResponseDto })
  async status(): Promise<ExchangeStatusResponseDto> {
    const resilience = await this.connection.resilienceStatus();
    return {
      env: this.settings.env,
      connections: this.connection.connections(),
      breakers: resilience.breakers.map(toBreakerStatusDto),
      rateLimits: resilience.rateLimits.map(toRateLimitStatusDto),
    };
  }

  @Post('breakers/:group/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a circuit breaker by hand (audited with the caller as actor)' })
  @ApiOkResponse({ type: BreakerStatusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Unknown endpoint group' })
  resetBreaker(@Param() { group }: BreakerGroupParamDto, @Req() request: FastifyRequest): BreakerStatusDto {
    const actor = (request as FastifyRequest & { user?: { sub?: string } }).user?.sub ?? 'api';
    return toBreakerStatusDto(this.breakers.reset(group, actor));
  }
}
