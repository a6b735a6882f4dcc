import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { SymbolParamDto } from '../order-book/dto/order-book.dto';
import { CandleService } from './candle.service';
import { Candle } from './domain/candle-series';
import { CandleDto, CandlesQueryDto, CandlesResponseDto } from './dto/candles.dto';
import { MarketDataError } from './market-data.errors';

const toDto = (c: Candle): CandleDto => ({
  open_time: c.openTimeMs,
  open: c.open,
  high: c.high,
  low: c.low,
  close: c.close,
  volume: c.volume,
  turnover: c.turnover,
});

@ApiTags('data')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('data')
export class MarketDataController {
  constructor(private readonly candles: CandleService) {}

  @Get('candles/:symbol')
  @ApiOperation({ summary: 'Closed 1-minute candles (back-filled at start, then live) and the one forming' })
  @ApiOkResponse({ type: CandlesResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  list(@Param() { symbol }: SymbolParamDto, @Query() { limit }: CandlesQueryDto): CandlesResponseDto {
    if (!this.candles.tracks(symbol)) throw new MarketDataError('UNKNOWN_SYMBOL', `Unknown symbol ${symbol}`);
    const current = this.candles.current(symbol);
    return {
      symbol,
      candles: this.candles.history(symbol, limit ?? 100).map(toDto),
      current: current ? toDto(current) : null,
    };
  }
}
