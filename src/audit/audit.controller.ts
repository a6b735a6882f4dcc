import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { toAuditListResponse, toAuditQuery } from './audit.mapper';
import { AuditService } from './audit.service';
import { AuditListResponseDto } from './dto/audit-list-response.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first; filters combine with AND; limit defaults to 100' })
  @ApiOkResponse({ type: AuditListResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter is malformed; the message names it' })
  async list(@Query() query: AuditQueryDto): Promise<AuditListResponseDto> {
    return toAuditListResponse(await this.audit.page(toAuditQuery(query)));
  }
}
