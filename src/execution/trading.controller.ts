import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import {
  BalanceResponseDto,
  ClosePositionResponseDto,
  ExecutionStatsResponseDto,
  PositionIdParamDto,
  PositionsResponseDto,
} from './dto/trading.dto';
import { PositionFillsResponseDto, PositionsQueryDto, TradesQueryDto, TradesResponseDto } from './dto/trades.dto';
import { ExecutionService } from './execution.service';
import { ExecutionReadService } from './execution-read.service';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class TradingController {
  constructor(
    private readonly reads: ExecutionReadService,
    private readonly execution: ExecutionService,
  ) {}

  @Get('balance')
  @ApiOperation({
    summary: 'Wallet balance from the exchange (USDT equity, available, unrealised PnL); at most 5 s old',
  })
  @ApiOkResponse({ type: BalanceResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The exchange could not be asked' })
  balance(): Promise<BalanceResponseDto> {
    return this.reads.balance();
  }

  @Get('positions')
  @ApiOperation({
    summary: 'Live positions (Opening, Open, Closing) with PnL marked to the book; ?status= picks one status',
  })
  @ApiOkResponse({ type: PositionsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Unknown status or unknown query parameter' })
  positions(@Query() query: PositionsQueryDto): Promise<PositionsResponseDto> {
    return this.reads.positionsByStatus(query);
  }

  @Get('trades')
  @ApiOperation({
    summary: 'Closed positions (trades) with entry/exit, holding time, PnL and fees; newest closedAt first, paged',
  })
  @ApiOkResponse({ type: TradesResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad filter or an unknown query parameter' })
  trades(@Query() query: TradesQueryDto): Promise<TradesResponseDto> {
    return this.reads.closedTrades(query);
  }

  @Get('positions/:id/fills')
  @ApiOperation({ summary: 'The executions (fills) of one position, entry and exit, oldest first' })
  @ApiOkResponse({ type: PositionFillsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No position with this id' })
  positionFills(@Param() { id }: PositionIdParamDto): Promise<PositionFillsResponseDto> {
    return this.reads.positionFills(id);
  }

  @Get('execution-stats')
  @ApiOperation({ summary: 'Orders by status, fill ratio, signal-to-send/ack/fill latency percentiles, slippage' })
  @ApiOkResponse({ type: ExecutionStatsResponseDto })
  executionStats(): Promise<ExecutionStatsResponseDto> {
    return this.reads.executionStats();
  }

  @Post('positions/:id/close')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Close an Open position now with a reduce-only market order (exit reason MANUAL); audited' })
  @ApiAcceptedResponse({ type: ClosePositionResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No position ever had this id' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The position is Opening, already Closing, or Closed (code POSITION_NOT_OPEN)',
  })
  async closePosition(@Param() { id }: PositionIdParamDto): Promise<ClosePositionResponseDto> {
    const closing = await this.execution.closePosition(id);
    return { id: closing.id, symbol: closing.symbol, status: 'Closing', exitReason: 'MANUAL' };
  }
}
