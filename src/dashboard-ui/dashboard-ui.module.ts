import { Module } from '@nestjs/common';
import { DashboardUiController } from './dashboard-ui.controller';
import { DashboardUiService } from './dashboard-ui.service';

/** The operator dashboard (ui/, built into dist/ui) served by the app: /ui/* here, and GET / for browsers. */
@Module({
  controllers: [DashboardUiController],
  providers: [DashboardUiService],
  exports: [DashboardUiService],
})
export class DashboardUiModule {}
