import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BotStatus } from '../bot-lifecycle.service';

export class ParticipantStatusDto {
  @ApiProperty({ example: 'running' }) state: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) connections?: Record<
    string,
    string
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' } }) counters?: Record<string, number>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class BotStatusResponseDto {
  @ApiProperty({ enum: ['stopped', 'starting', 'running', 'stopping'] }) state: string;
  @ApiProperty() running: boolean;
  @ApiProperty({ description: 'When the bot entered its current state (ISO 8601)' }) since: string;
  @ApiProperty({ enum: ['sim', 'testnet', 'demo', 'mainnet'] }) mode: string;
  @ApiProperty({ type: [String], example: ['BTCUSDT', 'ETHUSDT'] }) symbols: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ParticipantStatusDto' },
    description: 'Registered trading modules and their own state',
  })
  participants: Record<string, ParticipantStatusDto>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Connection name → state' })
  connections: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) counters: Record<string, number>;

  static from(status: BotStatus): BotStatusResponseDto {
    return Object.assign(new BotStatusResponseDto(), {
      ...status,
      symbols: [...status.symbols],
      since: status.since.toISOString(),
      participants: { ...status.participants },
      connections: { ...status.connections },
      counters: { ...status.counters },
    });
  }
}

export class BotTransitionResponseDto {
  @ApiProperty({ description: 'false when the bot was already in the requested state (the call is idempotent)' })
  changed: boolean;
  @ApiProperty({ type: BotStatusResponseDto }) status: BotStatusResponseDto;
}
