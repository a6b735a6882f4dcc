import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { isoUtc } from '../common/iso-time';
import { moneyDecimal, priceDecimal, qtyDecimal } from '../common/wire-decimal';
import { InstrumentsService } from '../exchange/instruments.service';
import type { Instrument } from '../exchange/exchange.types';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { SymbolParamDto } from '../order-book/dto/order-book.dto';
import { CandleService } from './candle.service';
import { Candle } from './domain/candle-series';
import { CandleDto, CandlesQueryDto, CandlesResponseDto } from './dto/candles.dto';
import { MarketDataError } from './market-data.errors';

/** A candle on the instrument's grid (10 decimals when the instrument is unknown); "0" stands for no value. */
function toDto(c: Candle, instrument: Pick<Instrument, 'tickSize' | 'qtyStep'> | undefined): CandleDto {
  const price = (value: number) => priceDecimal(value, instrument?.tickSize) ?? '0';
  return {
    openTime: isoUtc(c.openTimeMs),
    open: price(c.open),
    high: price(c.high),
    low: price(c.low),
    close: price(c.close),
    volume: qtyDecimal(c.volume, instrument?.qtyStep) ?? '0',
    turnover: moneyDecimal(c.turnover) ?? '0',
  };
}

@ApiTags('data')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('data')
export class MarketDataController {
  constructor(
    private readonly candles: CandleService,
    private readonly instruments: InstrumentsService,
  ) {}

  @Get('candles/:symbol')
  @ApiOperation({ summary: 'Closed 1-minute candles (back-filled at start, then live) and the one forming' })
  @ApiOkResponse({ type: CandlesResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  list(@Param() { symbol }: SymbolParamDto, @Query() { limit }: CandlesQueryDto): CandlesResponseDto {
    if (!this.candles.tracks(symbol)) throw new MarketDataError('UNKNOWN_SYMBOL', `Unknown symbol ${symbol}`);
    const current = this.candles.current(symbol);
    const instrument = this.instruments.get(symbol);
    return {
      symbol,
      candles: this.candles.history(symbol, limit ?? 100).map((c) => toDto(c, instrument)),
      current: current ? toDto(current, instrument) : null,
    };
  }
}
