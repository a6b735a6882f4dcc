import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isoUtc } from '../../common/iso-time';
import type { BacktestJobProgress } from '../backtest-job';
import type { BacktestStatus, StoredRun } from '../backtest-store';

export const BACKTEST_STATUSES: readonly BacktestStatus[] = ['running', 'succeeded', 'failed', 'cancelled'];

const SETTINGS_MAP = {
  type: 'object',
  additionalProperties: { type: 'string' },
} as const;

export class BacktestProgressDto {
  @ApiProperty({ description: 'Messages replayed so far' }) messagesDone: number;
  @ApiProperty({ description: 'Bytes of the recording read so far' }) bytesDone: number;
  @ApiProperty({ description: 'Bytes of the recording in all' }) bytesTotal: number;
  @ApiProperty({ description: 'Replay speed, messages per second of wall time' }) messagesPerSecond: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated seconds to the end; null when unknown' })
  etaSeconds: number | null;

  static from(p: BacktestJobProgress): BacktestProgressDto {
    return {
      messagesDone: p.messagesDone,
      bytesDone: p.bytesDone,
      bytesTotal: p.bytesTotal,
      messagesPerSecond: p.messagesPerSecond,
      etaSeconds: p.etaSeconds,
    };
  }
}

export class BacktestSummaryDto {
  @ApiProperty() trades: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of winning trades, 0…1' }) winRate: number | null;
  @ApiProperty({ example: '12.5', description: 'Net PnL after fees, quote currency (decimal string)' }) netPnl: string;
  @ApiProperty({ type: Number, nullable: true }) profitFactor: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Annualised, risk-free rate 0' }) sharpe: number | null;
  @ApiProperty({ description: 'Largest peak-to-trough fall of equity, share of the peak (0…1)' }) maxDrawdown: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of the initial equity' }) totalReturn: number | null;
  @ApiProperty({ example: '1.2', description: 'Fees paid, quote currency (decimal string)' }) fees: string;
}

/** One stored run: what was asked, its state, and once finished its outcome. */
export class BacktestRunDto {
  @ApiProperty({ example: '20250131-120000-123-a1b2c3', description: 'Sorts by creation time' }) id: string;
  @ApiProperty({ enum: BACKTEST_STATUSES }) status: BacktestStatus;
  @ApiProperty({ example: 'btcusdt-2025-01-01.jsonl.gz', description: 'Relative to BACKTEST_DATA_DIR' })
  dataFile: string;
  @ApiProperty({ type: [String], nullable: true, description: 'null = every symbol of the recording' })
  symbols: string[] | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to: string | null;
  @ApiProperty({ type: Number, nullable: true }) seed: number | null;
  @ApiProperty({ ...SETTINGS_MAP, description: 'The overrides asked for, by variable name' })
  settings: Record<string, string>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Fingerprint of the recording's bytes (known once it ran)",
  })
  fingerprint: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Messages replayed' }) messages: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Wall time of the replay' }) wallMs: number | null;
  @ApiProperty({ type: BacktestProgressDto, nullable: true, description: 'While running: the latest progress' })
  progress: BacktestProgressDto | null;
  @ApiProperty({ type: BacktestSummaryDto, nullable: true, description: 'Headline metrics once it succeeded' })
  summary: BacktestSummaryDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed' }) error: string | null;

  static from(run: StoredRun, progress: BacktestJobProgress | null): BacktestRunDto {
    return {
      id: run.id,
      status: run.status,
      dataFile: run.request.dataFile,
      symbols: run.request.symbols ? [...run.request.symbols] : null,
      from: run.request.fromMs === null ? null : isoUtc(run.request.fromMs),
      to: run.request.toMs === null ? null : isoUtc(run.request.toMs),
      seed: run.request.seed,
      settings: { ...run.request.overrides },
      createdAt: isoUtc(run.createdAtMs),
      finishedAt: run.finishedAtMs === null ? null : isoUtc(run.finishedAtMs),
      fingerprint: run.fingerprint,
      messages: run.messages,
      wallMs: run.wallMs,
      progress: progress ? BacktestProgressDto.from(progress) : null,
      summary: run.metrics ? { ...run.metrics } : null,
      error: run.error,
    };
  }
}

export class BacktestDetailDto extends BacktestRunDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      "The run's report.json as the engine wrote it (metrics, per-exit-reason and per-symbol tables, trade list); null until it succeeded",
  })
  report: unknown;
}

export class BacktestListResponseDto {
  @ApiProperty({ type: [BacktestRunDto], description: 'Newest first' }) items: BacktestRunDto[];
  @ApiProperty({ minimum: 1, maximum: 100 }) limit: number;
  @ApiProperty({ minimum: 0 }) offset: number;
  @ApiProperty({ description: 'Stored runs, across all pages' }) total: number;
}

export class DataFileDto {
  @ApiProperty({
    example: 'bybit/btcusdt-2025-01-01.jsonl.gz',
    description: 'Relative to BACKTEST_DATA_DIR: the dataFile to send',
  })
  path: string;
  @ApiProperty({ description: 'File length in bytes' }) bytes: number;
  @ApiProperty({ format: 'date-time' }) modifiedAt: string;
}

export class DataFilesResponseDto {
  @ApiProperty({ example: '/srv/bot/data/recordings', description: 'BACKTEST_DATA_DIR on the server' })
  directory: string;
  @ApiProperty({
    type: [DataFileDto],
    description: 'Recordings (.jsonl, .ndjson, .json, .txt, optionally .gz), by path',
  })
  items: DataFileDto[];
}

export class BacktestSettingDto {
  @ApiProperty({ example: 'IMBALANCE_BUY_THRESHOLD' }) name: string;
  @ApiProperty({ type: String, nullable: true, example: '0.75', description: 'The value the service runs with now' })
  value: string | null;
}

export class BacktestSettingsResponseDto {
  @ApiProperty({ type: [BacktestSettingDto], description: 'The settings a backtest may override' })
  items: BacktestSettingDto[];
}
