import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isoUtc } from '../common/iso-time';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { BacktestService } from './backtest.service';
import {
  BacktestDetailDto,
  BacktestListResponseDto,
  BacktestRunDto,
  BacktestSettingsResponseDto,
  DataFilesResponseDto,
} from './dto/backtest-run.dto';
import { BacktestIdParamDto, BacktestListQueryDto } from './dto/backtest-query.dto';
import { CreateBacktestDto } from './dto/create-backtest.dto';

/**
 * The report page runs its own inline script (the charts) in a sandbox without the API's origin: it can draw, but
 * cannot read the dashboard's session or call the API, whoever opens it.
 */
export const REPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; sandbox allow-scripts";

@ApiTags('backtests')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('backtests')
export class BacktestController {
  constructor(private readonly backtests: BacktestService) {}

  @Get()
  @ApiOperation({
    summary: 'Stored backtest runs, newest first (running ones with their latest progress); limit defaults to 20',
  })
  @ApiOkResponse({ type: BacktestListResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  list(@Query() { limit = 20, offset = 0 }: BacktestListQueryDto): BacktestListResponseDto {
    const page = this.backtests.list(limit, offset);
    return { items: page.items.map((run) => BacktestRunDto.from(run, run.progress)), limit, offset, total: page.total };
  }

  @Get('data-files')
  @ApiOperation({ summary: 'Recordings a backtest can replay: the files under BACKTEST_DATA_DIR' })
  @ApiOkResponse({ type: DataFilesResponseDto })
  dataFiles(): DataFilesResponseDto {
    return {
      directory: this.backtests.dataDir,
      items: this.backtests
        .dataFiles()
        .map((f) => ({ path: f.path, bytes: f.bytes, modifiedAt: isoUtc(Math.floor(f.modifiedAtMs)) })),
    };
  }

  @Get('settings')
  @ApiOperation({
    summary: 'The settings a backtest may override (POST /backtests `settings`), with their current values',
  })
  @ApiOkResponse({ type: BacktestSettingsResponseDto })
  settings(): BacktestSettingsResponseDto {
    return { items: this.backtests.settings() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run: its request, state or outcome, and its report.json once it succeeded' })
  @ApiOkResponse({ type: BacktestDetailDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a backtest id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No run with this id (code BACKTEST_NOT_FOUND)' })
  detail(@Param() { id }: BacktestIdParamDto): BacktestDetailDto {
    const run = this.backtests.get(id);
    return { ...BacktestRunDto.from(run, run.progress), report: this.backtests.report(id) };
  }

  @Get(':id/report.html')
  @ApiOperation({
    summary: "The run's self-contained report.html (charts and tables; opens offline)",
    description: `Served with \`Content-Security-Policy: ${REPORT_CSP}\`.`,
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a backtest id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No run with this id (code BACKTEST_NOT_FOUND)' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The run is still running or failed: no report (code BACKTEST_REPORT_NOT_READY)',
  })
  reportHtml(@Param() { id }: BacktestIdParamDto, @Res() reply: FastifyReply): void {
    const html = this.backtests.reportHtml(id);
    void reply
      .header('Content-Security-Policy', REPORT_CSP)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Stop a running backtest',
    description:
      'Terminates its worker thread and answers with the run, now status cancelled (a `finished` event follows on ' +
      '/ws `backtests`). It keeps no report.',
  })
  @ApiOkResponse({ type: BacktestRunDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a backtest id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No run with this id (code BACKTEST_NOT_FOUND)' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The run already finished: succeeded, failed or cancelled (code BACKTEST_NOT_RUNNING)',
  })
  async cancel(@Param() { id }: BacktestIdParamDto): Promise<BacktestRunDto> {
    return BacktestRunDto.from(await this.backtests.cancel(id), null);
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a backtest of a recording under BACKTEST_DATA_DIR in a worker thread',
    description:
      'Answers 202 at once with the stored run (status running); progress and completion follow on the /ws channel ' +
      '`backtests`, the outcome in GET /backtests/{id}. At most BACKTEST_MAX_CONCURRENT run at once: one more is ' +
      'refused with 429 (code BACKTESTS_BUSY, Retry-After), never queued.',
  })
  @ApiAcceptedResponse({ type: BacktestRunDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'A bad field, named: dataFile (absolute, `..`, hidden, not a recording, unknown, outside BACKTEST_DATA_DIR), ' +
      'settings.NAME (not a setting a backtest can change, or a bad value), symbols, from, to, seed',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'BACKTEST_MAX_CONCURRENT runs are running (code BACKTESTS_BUSY)',
  })
  create(@Body() body: CreateBacktestDto): BacktestRunDto {
    const run = this.backtests.start({
      dataFile: body.dataFile,
      symbols: body.symbols,
      fromMs: body.from === undefined ? undefined : Date.parse(body.from),
      toMs: body.to === undefined ? undefined : Date.parse(body.to),
      seed: body.seed,
      settings: body.settings,
    });
    return BacktestRunDto.from(run, null);
  }
}
