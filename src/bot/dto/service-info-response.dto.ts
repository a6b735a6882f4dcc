import { ApiProperty } from '@nestjs/swagger';

export class ServiceInfoResponseDto {
  @ApiProperty({ example: 'bybit-scalper' }) service: string;
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ description: 'Seconds since the process started' }) uptimeSeconds: number;
  @ApiProperty({ enum: ['sim', 'testnet', 'demo', 'mainnet'] }) mode: string;
  @ApiProperty({ enum: ['stopped', 'starting', 'running', 'stopping'] }) botState: string;
  @ApiProperty({ format: 'date-time', description: 'When the bot entered its state' }) botSince: string;
  @ApiProperty({ example: '/docs' }) docs: string;
}
