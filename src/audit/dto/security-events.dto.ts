import { ApiProperty } from '@nestjs/swagger';
import type { SecurityEventCount } from '../domain/security-event-counter';

export class SecurityEventCountDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the one-minute window' }) windowStart: string;
  @ApiProperty({ enum: ['login_failed', 'login_throttled'] }) kind: string;
  @ApiProperty({ example: '203.0.113.7', description: "The caller's address, or * for overflow" })
  clientAddress: string;
  @ApiProperty({ minimum: 1 }) count: number;
  @ApiProperty({ format: 'date-time' }) lastSeen: string;

  static from(count: SecurityEventCount): SecurityEventCountDto {
    return {
      windowStart: count.windowStart.toISOString(),
      kind: count.kind,
      clientAddress: count.clientAddress,
      count: count.count,
      lastSeen: count.lastSeen.toISOString(),
    };
  }
}

export class SecurityEventsResponseDto {
  @ApiProperty({ type: [SecurityEventCountDto], description: 'Newest window first' })
  items: SecurityEventCountDto[];
}
