import { Controller, Get, Param } from '@nestjs/common';
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
import { FeaturesResponseDto } from './dto/features.dto';
import { FeaturesError } from './features.errors';
import { FeaturesService } from './features.service';

@ApiTags('data')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('data')
export class FeaturesController {
  constructor(private readonly service: FeaturesService) {}

  @Get('features/:symbol')
  @ApiOperation({ summary: 'The latest 110-feature vector of a symbol: names, values, warm-up flags' })
  @ApiOkResponse({ type: FeaturesResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  features(@Param() { symbol }: SymbolParamDto): FeaturesResponseDto {
    if (!this.service.tracks(symbol)) throw new FeaturesError('UNKNOWN_SYMBOL', `Unknown symbol ${symbol}`);
    const pipeline = this.service.pipeline(symbol);
    const names = [...pipeline.names()];
    const values = pipeline.toArray();
    return {
      symbol,
      warm: pipeline.warm,
      count: names.length,
      names,
      values,
      ready: Array.from(pipeline.ready, (flag) => flag === 1),
      features: Object.fromEntries(names.map((name, i) => [name, values[i]])),
    };
  }
}
