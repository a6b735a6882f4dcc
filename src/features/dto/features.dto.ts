import { ApiProperty } from '@nestjs/swagger';

export class FeaturesResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ description: 'Every feature past its warm-up and the book valid' }) warm: boolean;
  @ApiProperty({ description: 'Feature count (110)' }) count: number;
  @ApiProperty({ type: [String], description: 'Names in vector order: order book 50, candle 25, indicator 35' })
  names: string[];
  @ApiProperty({ type: [Number], description: 'Values in the same order; neutral values during warm-up, never NaN' })
  values: number[];
  @ApiProperty({ type: [Boolean], description: 'Per feature: past its warm-up' }) ready: boolean[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Name → value' })
  features: Record<string, number>;
}
