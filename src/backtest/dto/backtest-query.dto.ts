import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { PageLimit, PageOffset } from '../../infra/http/limit-query.dto';
import { RUN_ID } from '../backtest-store';

export class BacktestListQueryDto {
  @PageLimit(100, 20)
  limit?: number;

  @PageOffset()
  offset?: number;
}

export class BacktestIdParamDto {
  @ApiProperty({ example: '20250131-120000-123-a1b2c3' })
  @Matches(RUN_ID, { message: 'id must be a backtest id such as 20250131-120000-123-a1b2c3' })
  id: string;
}
