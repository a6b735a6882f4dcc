import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { InstrumentsService } from '../exchange/instruments.service';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { SignalContextDto, SignalsQueryDto, SignalsResponseDto } from './dto/signals.dto';
import { toSignalMetricsView } from './signal-metrics.mapper';
import { StrategyService } from './strategy.service';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class StrategyController {
  constructor(
    private readonly strategy: StrategyService,
    private readonly instruments: InstrumentsService,
  ) {}

  @Get('signals')
  @ApiOperation({ summary: 'Recent signals with strength, reason and the metrics that caused them' })
  @ApiOkResponse({ type: SignalsResponseDto })
  signals(@Query() { symbol, limit, include }: SignalsQueryDto): SignalsResponseDto {
    return {
      signals: this.strategy.recent({ symbol, limit: limit ?? 50 }).map((s) => {
        const context: SignalContextDto = {
          metrics: toSignalMetricsView(s.context.metrics, this.instruments.get(s.symbol)?.tickSize),
          bookU: s.context.bookU,
          bookSeq: s.context.bookSeq,
        };
        // The features are most of a signal's size (77 KB for 17 signals): sent only when asked for.
        if (include === 'features' && s.context.features) context.features = s.context.features.toRecord();
        return {
          id: s.id,
          strategy: s.strategy,
          symbol: s.symbol,
          side: s.side,
          strength: s.strength,
          reason: s.reason,
          price: s.price,
          at: new Date(s.atMs).toISOString(),
          context,
        };
      }),
    };
  }
}
