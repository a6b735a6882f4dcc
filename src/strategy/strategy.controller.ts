import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { SignalsQueryDto, SignalsResponseDto } from './dto/signals.dto';
import { StrategyService } from './strategy.service';

@ApiTags('trading')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('trading')
export class StrategyController {
  constructor(private readonly strategy: StrategyService) {}

  @Get('signals')
  @ApiOperation({ summary: 'Recent signals with strength, reason and the metrics that caused them' })
  @ApiOkResponse({ type: SignalsResponseDto })
  signals(@Query() { symbol, limit, include }: SignalsQueryDto): SignalsResponseDto {
    return {
      signals: this.strategy.recent({ symbol, limit: limit ?? 50 }).map((s) => ({
        id: s.id,
        strategy: s.strategy,
        symbol: s.symbol,
        side: s.side,
        strength: s.strength,
        reason: s.reason,
        price: s.price,
        at: new Date(s.atMs).toISOString(),
        // The features are most of a signal's size (77 KB for 17 signals): sent only when asked for.
        context: (include === 'features'
          ? s.context
          : { metrics: s.context.metrics, bookU: s.context.bookU, bookSeq: s.context.bookSeq }) as unknown as Record<
          string,
          unknown
        >,
      })),
    };
  }
}
