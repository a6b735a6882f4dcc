import { ApiProperty } from '@nestjs/swagger';
import { AuditChainBreak } from '../audit-chain.verifier';

const BREAKS: readonly AuditChainBreak[] = ['ROW_HASH_MISMATCH', 'PREV_HASH_MISMATCH', 'SEQUENCE_GAP', 'HEAD_MISMATCH'];

export class AuditChainHeadDto {
  @ApiProperty({ example: '1042', description: 'chain_seq of the newest link (bigint as a decimal string)' })
  seq: string;
  @ApiProperty({
    example: 'a3f1…',
    description: 'sha256 of the newest link, hex; keep it elsewhere to anchor the chain',
  })
  hash: string;
}

export class AuditChainBreakDto {
  @ApiProperty({ example: '17', description: 'chain_seq of the first broken link' }) seq: string;
  @ApiProperty({ type: String, nullable: true, description: 'audit row id; null for HEAD_MISMATCH' }) id: string | null;
  @ApiProperty({
    enum: BREAKS,
    description:
      'ROW_HASH_MISMATCH: the row was edited; PREV_HASH_MISMATCH: the row before it was replaced or rows re-ordered; ' +
      'SEQUENCE_GAP: rows before it were deleted; HEAD_MISMATCH: the newest rows were deleted',
  })
  reason: AuditChainBreak;
}

export class AuditVerifyResponseDto {
  @ApiProperty({ description: 'true when every link holds' }) ok: boolean;
  @ApiProperty({ description: 'rows examined' }) rows: number;
  @ApiProperty({ type: AuditChainHeadDto }) head: AuditChainHeadDto;
  @ApiProperty({ type: AuditChainBreakDto, nullable: true, description: 'the first broken link in chain order' })
  firstBroken: AuditChainBreakDto | null;
}
