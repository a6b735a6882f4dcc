import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class CreateBacktestDto {
  @ApiProperty({
    example: 'btcusdt-2025-01-01.jsonl.gz',
    description:
      'A recording under BACKTEST_DATA_DIR, as a relative path with forward slashes (GET /backtests/data-files lists them). ' +
      'Absolute paths, `..`, hidden files and files outside the directory (links included) are refused with a 400 naming dataFile.',
  })
  @IsString()
  @MaxLength(512)
  dataFile: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['BTCUSDT'],
    description: 'Replay only these symbols (default: every symbol in the recording)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? value.map((s) => (typeof s === 'string' ? s.trim().toUpperCase() : s)) : value,
  )
  @Matches(/^[A-Z0-9]{2,25}$/, { each: true, message: 'each symbol must look like BTCUSDT' })
  symbols?: string[];

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2025-01-01T00:00:00.000Z',
    description: 'Replay messages from this exchange time on (inclusive)',
  })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'from must be an ISO-8601 time such as 2025-01-31T12:00:00Z' },
  )
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2025-01-01T01:00:00.000Z',
    description: 'Replay messages before this exchange time (exclusive); later than from',
  })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'to must be an ISO-8601 time such as 2025-01-31T12:00:00Z' },
  )
  to?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    example: { IMBALANCE_BUY_THRESHOLD: '0.7', TAKE_PROFIT_PCT: '0.4' },
    description:
      'Setting overrides by variable name, validated as at start-up (GET /backtests/settings lists the names a backtest may change). ' +
      'An unknown name or a bad value is a 400 naming settings.NAME.',
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2147483647,
    example: 1,
    description: 'Seed of the run (same data, settings and seed → the same report)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  seed?: number;
}
