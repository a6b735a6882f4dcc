import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { prefersHtml } from '../dashboard-ui/accept';
import { DashboardUiService } from '../dashboard-ui/dashboard-ui.service';
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
    private readonly ui: DashboardUiService,
  ) {}

  @Public()
  @Get()
  @ApiOperation({
    summary: 'Service name, version, uptime and bot state (no secrets)',
    description:
      'Content negotiation: a browser (Accept naming text/html above application/json) gets the operator dashboard; every other client gets this JSON.',
  })
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ type: ServiceInfoResponseDto })
  info(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): ServiceInfoResponseDto | Buffer {
    void reply.header('Vary', 'Accept');
    const page = prefersHtml(accept) ? this.ui.index() : undefined;
    if (page) {
      void reply.type(page.contentType).header('Cache-Control', 'no-cache');
      return page.body;
    }
    const status = this.lifecycle.status();
    return {
      service: SERVICE_NAME,
      version: SERVICE_VERSION,
      uptimeSeconds: Math.round(process.uptime()),
      mode: this.config.exchange.env,
      botState: status.state,
      botSince: status.since.toISOString(),
      docs: '/docs',
    };
  }
}
