import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { LimitQueryDto } from '../../infra/http/limit-query.dto';

export class SignalsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @Matches(/^[A-Z0-9]{2,25}$/, { message: 'symbol must be a symbol such as BTCUSDT' })
  symbol?: string;

  @ApiPropertyOptional({
    enum: ['features'],
    description: 'features: add every feature value at the signal (about 110 numbers each) to context.features',
  })
  @IsOptional()
  @IsIn(['features'], { message: 'include must be features' })
  include?: 'features';
}

export class SignalDto {
  @ApiProperty({ description: 'Deterministic id: the trace id and the seed of the orderLinkId' }) id: string;
  @ApiProperty() strategy: string;
  @ApiProperty() symbol: string;
  @ApiProperty({ enum: ['Buy', 'Sell'] }) side: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) strength: number;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'Decimal string on the tick grid' }) price: string;
  @ApiProperty({ description: 'ISO time' }) at: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The metrics that caused it (context.metrics); context.features only with ?include=features',
  })
  context: Record<string, unknown>;
}

export class SignalsResponseDto {
  @ApiProperty({ type: [SignalDto], description: 'Newest first' }) signals: SignalDto[];
}
