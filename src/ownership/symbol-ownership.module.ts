import { Module } from '@nestjs/common';
import { SymbolOwnershipService } from './symbol-ownership.service';

/** Which symbols this instance may trade when several share one database (SPEC §12). */
@Module({
  providers: [SymbolOwnershipService],
  exports: [SymbolOwnershipService],
})
export class SymbolOwnershipModule {}
