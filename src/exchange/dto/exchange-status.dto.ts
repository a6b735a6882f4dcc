import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ENDPOINT_GROUPS } from '../bybit/bybit.constants';

export class BreakerGroupParamDto {
  @ApiProperty({ enum: ENDPOINT_GROUPS, description: 'Bybit endpoint group' })
  @IsIn(ENDPOINT_GROUPS as unknown as string[], { message: `group must be one of ${ENDPOINT_GROUPS.join(', ')}` })
  group: string;
}

export class BreakerStatusDto {
  @ApiProperty({ enum: ENDPOINT_GROUPS }) group: string;
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN'] }) state: string;
  @ApiProperty() consecutiveFailures: number;
  @ApiProperty() failureThreshold: number;
  @ApiProperty() cooldownMs: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) openedAtMs: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
}

export class RateLimitStatusDto {
  @ApiProperty() group: string;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Published limit per window (adapted from X-Bapi-Limit)',
  })
  limit: number | null;
  @ApiProperty() windowMs: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Tokens per window after the safety factor' })
  capacity: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) tokensLeft: number | null;
  @ApiProperty() queued: number;
  @ApiProperty() running: number;
  @ApiProperty({ description: 'Share of this window used, 0..1' }) utilisation: number;
}

export class ExchangeStatusResponseDto {
  @ApiProperty({ enum: ['sim', 'testnet', 'demo', 'mainnet'] }) env: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'bybit.public': 'connected', 'bybit.private': 'connected' },
  })
  connections: Record<string, string>;
  @ApiProperty({ type: [BreakerStatusDto] }) breakers: BreakerStatusDto[];
  @ApiProperty({ type: [RateLimitStatusDto] }) rateLimits: RateLimitStatusDto[];
}
