import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
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
import { ActivateKillSwitchDto, KillSwitchStatusDto } from './dto/kill-switch.dto';
import { RiskStatusResponseDto } from './dto/risk-status.dto';
import { KillSwitchStore } from './kill-switch.store';
import { RiskStatusQuery } from './risk-status.query';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class RiskController {
  constructor(
    private readonly statusQuery: RiskStatusQuery,
    private readonly killSwitch: KillSwitchStore,
  ) {}

  @Get('risk-status')
  @ApiOperation({
    summary:
      'Risk limits and their usage, kill switch, circuit breakers, rate limiters, book freshness, rejection counts',
  })
  @ApiOkResponse({ type: RiskStatusResponseDto })
  status(): Promise<RiskStatusResponseDto> {
    return this.statusQuery.status();
  }

  @Post('kill-switch/activate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Block new entries until a reset (audited with the caller as actor); open positions keep their exits',
  })
  @ApiOkResponse({ type: KillSwitchStatusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'reason missing, empty or too long' })
  activate(@Body() { reason }: ActivateKillSwitchDto, @Req() request: FastifyRequest): Promise<KillSwitchStatusDto> {
    return this.killSwitch.activateKillSwitch(operatorOf(request), reason);
  }

  @Post('kill-switch/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: "Allow entries again; the day's losses so far stop counting against MAX_DAILY_LOSS_USDT (audited)",
  })
  @ApiOkResponse({ type: KillSwitchStatusDto })
  reset(@Req() request: FastifyRequest): Promise<KillSwitchStatusDto> {
    return this.killSwitch.resetKillSwitch(operatorOf(request));
  }
}

/** The JWT subject JwtAuthGuard attached (the operator). */
function operatorOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { user?: { sub?: string } }).user?.sub ?? 'api';
}
