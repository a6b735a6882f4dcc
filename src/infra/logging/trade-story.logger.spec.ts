import { Logger } from '@nestjs/common';
import { FixedClock } from '../../common/clock';
import { EventBus } from '../events/event-bus';
import { REJECTION_LOG_INTERVAL_MS, TradeStoryLogger } from './trade-story.logger';

describe('TradeStoryLogger', () => {
  const rejection = (signalId: string) => ({
    signalId,
    symbol: 'BTCUSDT',
    side: 'Buy' as const,
    code: 'MAX_OPEN_POSITIONS' as const,
    message: 'too many',
    details: {},
  });

  it('should log one risk rejection per code per window and say how many it skipped', async () => {
    const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const spy = jest.spyOn(Logger.prototype, 'log').mockImplementation((fields: unknown, msg?: unknown) => {
      lines.push({ fields: fields as Record<string, unknown>, msg: String(msg) });
    });
    const bus = new EventBus();
    const clock = new FixedClock(1_000_000);
    const story = new TradeStoryLogger(bus, clock);
    story.onModuleInit();
    try {
      for (let i = 0; i < 5; i++) bus.publish('risk.rejected', rejection(`s${i}`));
      await bus.drain();
      expect(lines).toHaveLength(1);
      expect(lines[0].fields).toMatchObject({ trace_id: 's0', code: 'MAX_OPEN_POSITIONS', suppressed: 0 });
      clock.advance(REJECTION_LOG_INTERVAL_MS);
      bus.publish('risk.rejected', rejection('s5'));
      await bus.drain();
      expect(lines).toHaveLength(2);
      expect(lines[1].fields).toMatchObject({ trace_id: 's5', suppressed: 4 });
      expect(lines[1].msg).toContain('4 more MAX_OPEN_POSITIONS');
    } finally {
      story.onModuleDestroy();
      spy.mockRestore();
    }
  });
});
