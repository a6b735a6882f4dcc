import { ApiProperty } from '@nestjs/swagger';

export class ServiceInfoResponseDto {
  @ApiProperty({ example: 'bybit-scalper' }) service: string;
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ description: 'Seconds since the process started' }) uptime_seconds: number;
  @ApiProperty({ enum: ['sim', 'testnet', 'demo', 'mainnet'] }) mode: string;
  @ApiProperty({ enum: ['stopped', 'starting', 'running', 'stopping'] }) bot_state: string;
  @ApiProperty() bot_since: string;
  @ApiProperty({ example: '/docs' }) docs: string;
}
