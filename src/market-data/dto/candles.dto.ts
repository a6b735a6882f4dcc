import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LimitQueryDto } from '../../infra/http/limit-query.dto';

/** `?limit=` of closed candles (default 100). */
export class CandlesQueryDto extends LimitQueryDto {}

/** Prices on the tick grid, volume on the qty step, turnover at the money scale: all decimal strings. */
export class CandleDto {
  @ApiProperty({ format: 'date-time', description: 'Open time of the minute' }) openTime: string;
  @ApiProperty({ example: '96000.1' }) open: string;
  @ApiProperty({ example: '96010.5' }) high: string;
  @ApiProperty({ example: '95990' }) low: string;
  @ApiProperty({ example: '96004.2' }) close: string;
  @ApiProperty({ description: 'Base-coin volume', example: '12.345' }) volume: string;
  @ApiProperty({ description: 'Quote (USDT) turnover', example: '1185080.5' }) turnover: string;
}

export class CandlesResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ type: [CandleDto], description: 'Closed 1-minute candles, oldest first' }) candles: CandleDto[];
  @ApiPropertyOptional({ type: CandleDto, nullable: true, description: 'The minute still forming' })
  current: CandleDto | null;
}
