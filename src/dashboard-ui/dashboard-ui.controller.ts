import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { DashboardUiService, UiAsset } from './dashboard-ui.service';

/**
 * The dashboard's static files under /ui/ (public: the page and its code hold no data; every data call needs the
 * token). `no-cache` + ETag: a browser revalidates and gets 304 until a new build changes the file.
 */
@ApiExcludeController()
@Public()
@Controller('ui')
export class DashboardUiController {
  constructor(private readonly ui: DashboardUiService) {}

  @Get()
  index(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    sendAsset(reply, this.ui.index(), ifNoneMatch);
  }

  @Get(':file')
  file(
    @Param('file') file: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    sendAsset(reply, this.ui.asset(file), ifNoneMatch);
  }
}

export function sendAsset(reply: FastifyReply, asset: UiAsset | undefined, ifNoneMatch: string | undefined): void {
  if (!asset) throw new NotFoundException('No such dashboard file (is the dashboard built? npm run build)');
  void reply.header('Cache-Control', 'no-cache').header('ETag', asset.etag);
  if (ifNoneMatch === asset.etag) {
    void reply.code(304).send();
    return;
  }
  void reply.type(asset.contentType).send(asset.body);
}
