import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export const KILL_SWITCH_REASON_MAX_LENGTH = 500;

export class ActivateKillSwitchDto {
  @ApiProperty({
    description: 'Why entries are being stopped; recorded in the audit trail',
    example: 'exchange incident',
    maxLength: KILL_SWITCH_REASON_MAX_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(KILL_SWITCH_REASON_MAX_LENGTH)
  reason: string;
}

export class KillSwitchStatusDto {
  @ApiProperty({ description: 'True while new entries are blocked' }) active: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'daily realised loss 512.4 USDT reached MAX_DAILY_LOSS_USDT 500',
  })
  reason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Time of the last change' })
  since: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "Who made the last change: the operator, or 'system' for a loss trip",
  })
  changedBy: string | null;
  @ApiProperty({ description: 'UTC day the realised PnL belongs to', example: '2025-01-31' }) tradingDay: string;
  @ApiProperty({
    description:
      'Realised PnL of the UTC day counted against the limit (since the last reset that day), USDT decimal string; negative = loss',
  })
  dailyRealizedPnlUsdt: string;
  @ApiProperty({ description: 'MAX_DAILY_LOSS_USDT, USDT decimal string; 0 = no automatic trip' })
  maxDailyLossUsdt: string;
}
