import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class CandlesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class CandleDto {
  @ApiProperty({ description: 'Open time, ms' }) open_time: number;
  @ApiProperty() open: number;
  @ApiProperty() high: number;
  @ApiProperty() low: number;
  @ApiProperty() close: number;
  @ApiProperty({ description: 'Base-coin volume' }) volume: number;
  @ApiProperty({ description: 'Quote (USDT) turnover' }) turnover: number;
}

export class CandlesResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ type: [CandleDto], description: 'Closed 1-minute candles, oldest first' }) candles: CandleDto[];
  @ApiPropertyOptional({ type: CandleDto, nullable: true, description: 'The minute still forming' }) current: CandleDto | null;
}
