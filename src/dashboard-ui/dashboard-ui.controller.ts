import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { DashboardUiService, UiAsset } from './dashboard-ui.service';

/**
 * The dashboard's static files under /ui/ (public: the page and its code hold no data; every data call needs the
 * token). `no-cache` + ETag: a browser revalidates and gets 304 until a new build changes the file.
 */
@ApiTags('dashboard')
@Public()
@Controller('ui')
export class DashboardUiController {
  constructor(private readonly ui: DashboardUiService) {}

  @Get()
  @ApiOperation({ summary: 'The operator dashboard page (also served at / to browsers)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'index.html' })
  @ApiNotFoundResponse({ description: 'The dashboard is not built (npm run build)' })
  index(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    sendAsset(reply, this.ui.index(), ifNoneMatch);
  }

  @Get(':file')
  @ApiOperation({ summary: "A file of the dashboard's build (app.js, app.css)" })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file, with an ETag; 304 when If-None-Match matches' })
  @ApiNotFoundResponse({ description: 'No such file' })
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
