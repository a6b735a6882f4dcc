import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { BalanceResponseDto, ExecutionStatsResponseDto, PositionsResponseDto } from './dto/trading.dto';
import { ExecutionReadService } from './execution-read.service';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class TradingController {
  constructor(private readonly reads: ExecutionReadService) {}

  @Get('balance')
  @ApiOperation({ summary: 'Wallet balance from the exchange (USDT equity, available, unrealised PnL); at most 5 s old' })
  @ApiOkResponse({ type: BalanceResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The exchange could not be asked' })
  balance(): Promise<BalanceResponseDto> {
    return this.reads.balance();
  }

  @Get('positions')
  @ApiOperation({ summary: 'Live positions (Opening, Open, Closing) with PnL marked to the book' })
  @ApiOkResponse({ type: PositionsResponseDto })
  positions(): Promise<PositionsResponseDto> {
    return this.reads.openPositions();
  }

  @Get('execution-stats')
  @ApiOperation({ summary: 'Orders by status, fill ratio, signal-to-send/ack/fill latency percentiles, slippage' })
  @ApiOkResponse({ type: ExecutionStatsResponseDto })
  executionStats(): Promise<ExecutionStatsResponseDto> {
    return this.reads.executionStats();
  }
}
