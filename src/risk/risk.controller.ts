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
import { AccountLeverageReader } from './account-leverage.reader';
import { KillSwitchStore } from './kill-switch.store';
import { toKillSwitchStatusDto, toRiskStatusResponse } from './risk-status.mapper';
import { RiskStatusQuery } from './risk-status.query';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class RiskController {
  constructor(
    private readonly statusQuery: RiskStatusQuery,
    private readonly killSwitch: KillSwitchStore,
    private readonly account: AccountLeverageReader,
  ) {}

  @Get('risk-status')
  @ApiOperation({
    summary:
      'Risk limits and their usage, kill switch, circuit breakers, rate limiters, book freshness, rejection counts',
  })
  @ApiOkResponse({ type: RiskStatusResponseDto })
  async status(): Promise<RiskStatusResponseDto> {
    const [status, account] = await Promise.all([this.statusQuery.status(), this.account.read()]);
    return toRiskStatusResponse(status, account);
  }

  @Post('kill-switch/activate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Block new entries until a reset (audited with the caller as actor); open positions keep their exits',
  })
  @ApiOkResponse({ type: KillSwitchStatusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'reason missing, empty or too long' })
  async activate(
    @Body() { reason }: ActivateKillSwitchDto,
    @Req() request: FastifyRequest,
  ): Promise<KillSwitchStatusDto> {
    return toKillSwitchStatusDto(await this.killSwitch.activateKillSwitch(operatorOf(request), reason));
  }

  @Post('kill-switch/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: "Allow entries again; the day's losses so far stop counting against MAX_DAILY_LOSS_USDT (audited)",
  })
  @ApiOkResponse({ type: KillSwitchStatusDto })
  async reset(@Req() request: FastifyRequest): Promise<KillSwitchStatusDto> {
    return toKillSwitchStatusDto(await this.killSwitch.resetKillSwitch(operatorOf(request)));
  }
}

/** The JWT subject JwtAuthGuard attached (the operator). */
function operatorOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { user?: { sub?: string } }).user?.sub ?? 'api';
}
