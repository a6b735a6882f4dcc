import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { BotLifecycleService } from './bot-lifecycle.service';
import { BotConfigResponseDto } from './dto/bot-config-response.dto';
import { BotStatusResponseDto, BotTransitionResponseDto } from './dto/bot-status-response.dto';

function actorOf(request: FastifyRequest): string {
  const user = (request as FastifyRequest & { user?: { sub?: string } }).user;
  return user?.sub ?? 'api';
}

@ApiTags('bot')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('bot')
export class BotController {
  constructor(
    private readonly lifecycle: BotLifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'Running/stopped, since, mode, symbols, connection states, counters' })
  @ApiOkResponse({ type: BotStatusResponseDto })
  status(): BotStatusResponseDto {
    return BotStatusResponseDto.from(this.lifecycle.status());
  }

  @Post('start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start trading (idempotent)' })
  @ApiOkResponse({ type: BotTransitionResponseDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'START_REFUSED: another instance trades these symbols (details name the holders); the bot stays stopped',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A trading module failed to start; the bot stays stopped',
  })
  async start(@Req() request: FastifyRequest): Promise<BotTransitionResponseDto> {
    const result = await this.lifecycle.start(actorOf(request));
    return { changed: result.changed, status: BotStatusResponseDto.from(result.status) };
  }

  @Post('stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop trading (idempotent); market data may keep streaming' })
  @ApiOkResponse({ type: BotTransitionResponseDto })
  async stop(@Req() request: FastifyRequest): Promise<BotTransitionResponseDto> {
    const result = await this.lifecycle.stop(actorOf(request));
    return { changed: result.changed, status: BotStatusResponseDto.from(result.status) };
  }

  @Get('config')
  @ApiOperation({ summary: 'Effective configuration, secrets masked' })
  @ApiOkResponse({ type: BotConfigResponseDto })
  configuration(): BotConfigResponseDto {
    return { config: { ...this.config.masked } };
  }
}
