import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { InstrumentsService } from '../exchange/instruments.service';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import {
  AllMetricsResponseDto,
  DepthQueryDto,
  MetricsResponseDto,
  OrderBookResponseDto,
  PairsResponseDto,
  SymbolParamDto,
} from './dto/order-book.dto';
import { toMetricsResponse, toOrderBookResponse } from './order-book.mapper';
import { OrderBookService } from './order-book.service';

@ApiTags('data')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('data')
export class OrderBookController {
  constructor(
    private readonly books: OrderBookService,
    private readonly instruments: InstrumentsService,
  ) {}

  @Get('pairs')
  @ApiOperation({ summary: 'Configured symbols with their instrument filters' })
  @ApiOkResponse({ type: PairsResponseDto })
  pairs(): PairsResponseDto {
    return {
      pairs: this.books.symbols().map((symbol) => {
        const i = this.instruments.get(symbol);
        return {
          symbol,
          tickSize: i?.tickSize ?? '',
          qtyStep: i?.qtyStep ?? '',
          minOrderQty: i?.minOrderQty ?? '',
          minNotional: i?.minNotionalValue ?? '',
          status: i?.status ?? 'unknown',
        };
      }),
    };
  }

  @Get('orderbook/:symbol')
  @ApiOperation({ summary: 'Top levels of the live book, its sequence, update time and health' })
  @ApiOkResponse({ type: OrderBookResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a configured symbol' })
  orderBook(@Param() { symbol }: SymbolParamDto, @Query() { depth }: DepthQueryDto): OrderBookResponseDto {
    return toOrderBookResponse(this.books.view(symbol, depth ?? 20));
  }

  @Get('metrics/:symbol')
  @ApiOperation({ summary: 'Spread, mid, micro-price, imbalance, clusters, support/resistance' })
  @ApiOkResponse({ type: MetricsResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  metrics(@Param() { symbol }: SymbolParamDto): MetricsResponseDto {
    return toMetricsResponse(symbol, this.books.metrics(symbol));
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Metrics of every configured symbol that has a book' })
  @ApiOkResponse({ type: AllMetricsResponseDto })
  allMetrics(): AllMetricsResponseDto {
    return {
      metrics: this.books
        .symbols()
        .filter((s) => this.books.book(s))
        .map((s) => toMetricsResponse(s, this.books.metrics(s))),
    };
  }
}
