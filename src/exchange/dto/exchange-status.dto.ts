import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ENDPOINT_GROUPS } from '../bybit/bybit.constants';

export class BreakerGroupParamDto {
  @ApiProperty({ enum: ENDPOINT_GROUPS, description: 'Bybit endpoint group' })
  @IsIn(ENDPOINT_GROUPS as unknown as string[], { message: `group must be one of ${ENDPOINT_GROUPS.join(', ')}` })
  group: string;
}

export class BreakerWindowDto {
  @ApiProperty() fires: number;
  @ApiProperty() failures: number;
  @ApiProperty() successes: number;
  @ApiProperty({ description: 'Calls refused while OPEN' }) rejects: number;
}

export class BreakerStatusDto {
  @ApiProperty({ enum: ENDPOINT_GROUPS }) group: string;
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN'] }) state: string;
  @ApiProperty() consecutiveFailures: number;
  @ApiProperty() failureThreshold: number;
  @ApiProperty() cooldownMs: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When it last opened' })
  openedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ type: BreakerWindowDto, description: 'Rolling-window counters' }) window: BreakerWindowDto;
}

export class ExchangeLimitHeadersDto {
  @ApiProperty({ description: 'X-Bapi-Limit' }) limit: number;
  @ApiProperty({ description: 'X-Bapi-Limit-Status' }) remaining: number;
  @ApiProperty({ format: 'date-time', description: 'X-Bapi-Limit-Reset-Timestamp' }) resetAt: string;
  @ApiProperty({ format: 'date-time', description: 'When these headers arrived' }) receivedAt: string;
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
  @ApiProperty({ description: 'Requests let through since start' }) granted: number;
  @ApiProperty({ description: 'Requests refused because the wait would exceed the limit' }) waitExceeded: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Paused by the exchange (HTTP 403 / retCode 10006) until then',
  })
  pausedUntil: string | null;
  @ApiProperty({
    nullable: true,
    type: ExchangeLimitHeadersDto,
    description: 'The last X-Bapi-Limit headers the exchange sent for this group',
  })
  exchange: ExchangeLimitHeadersDto | null;
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
