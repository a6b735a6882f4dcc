import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { SERVICE_NAME, SERVICE_VERSION } from '../infra/config/service-info';
import { BotLifecycleService } from './bot-lifecycle.service';
import { ServiceInfoResponseDto } from './dto/service-info-response.dto';

@ApiTags('service')
@Controller()
export class RootController {
  constructor(
    private readonly lifecycle: BotLifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Service name, version, uptime and bot state (no secrets)' })
  @ApiOkResponse({ type: ServiceInfoResponseDto })
  info(): ServiceInfoResponseDto {
    const status = this.lifecycle.status();
    return {
      service: SERVICE_NAME,
      version: SERVICE_VERSION,
      uptime_seconds: Math.round(process.uptime()),
      mode: this.config.exchange.env,
      bot_state: status.state,
      bot_since: status.since.toISOString(),
      docs: '/docs',
    };
  }
}
