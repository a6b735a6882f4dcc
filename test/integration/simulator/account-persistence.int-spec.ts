import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClientV5 } from 'bybit-api';
import { RunningSimulator, SimulatorOptions, startSimulator } from '../../../src/simulator/simulator-runtime';

describe('simulated account persistence', () => {
  let dir: string;
  let sim: RunningSimulator | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-account-'));
    chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (extra: Partial<SimulatorOptions> = {}): SimulatorOptions => ({
    port: 0,
    symbols: ['BTCUSDT'],
    seed: 3,
    apiKey: 'k',
    apiSecret: 's',
    dataDir: join(dir, 'simulator'),
    ...extra,
  });
  const client = (s: RunningSimulator) => new RestClientV5({ key: 'k', secret: 's', baseUrl: s.restUrl });

  it('should never hand out an order id again after a reset (a bot database keeps the old ones)', async () => {
    const orderIds = async (link: string) => {
      const rest = client(sim as RunningSimulator);
      const placed = await rest.submitOrder({
        category: 'linear',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Market',
        qty: '0.001',
        orderLinkId: link,
      });
      expect(placed.retCode).toBe(0);
      return placed.result.orderId;
    };
    sim = await startSimulator(options());
    const first = [await orderIds('reset-ids-1'), await orderIds('reset-ids-2')];
    await sim.stop();
    sim = await startSimulator(options({ reset: true }));
    const afterReset = [await orderIds('reset-ids-1'), await orderIds('reset-ids-2')];
    await sim.stop();
    await new Promise((r) => setTimeout(r, 2)); // a new creation time
    sim = await startSimulator(options({ reset: true }));
    const afterSecondReset = [await orderIds('reset-ids-1')];
    expect(new Set([...first, ...afterReset, ...afterSecondReset]).size).toBe(5);
  });

  it('should keep orders, positions and the wallet across a restart, and start clean with reset', async () => {
    sim = await startSimulator(options());
    const rest = client(sim);
    const resting = await rest.submitOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.001',
      price: '50000',
      orderLinkId: 'persist-1',
    });
    expect(resting.retCode).toBe(0);
    expect(
      (
        await rest.submitOrder({
          category: 'linear',
          symbol: 'BTCUSDT',
          side: 'Buy',
          orderType: 'Market',
          qty: '0.002',
        })
      ).retCode,
    ).toBe(0);
    const walletBefore = (await rest.getWalletBalance({ accountType: 'UNIFIED' })).result.list[0].totalWalletBalance;
    await sim.stop();

    sim = await startSimulator(options());
    const again = client(sim);
    const open = await again.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
    expect(open.result.list.map((o) => o.orderLinkId)).toEqual(['persist-1']);
    const position = await again.getPositionInfo({ category: 'linear', symbol: 'BTCUSDT' });
    expect(position.result.list[0]).toMatchObject({ side: 'Buy', size: '0.002' });
    expect((await again.getWalletBalance({ accountType: 'UNIFIED' })).result.list[0].totalWalletBalance).toBe(
      walletBefore,
    );
    // The orderLinkId is still taken after the restart: a replayed order can never open twice.
    const duplicate = await again.submitOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.001',
      price: '50000',
      orderLinkId: 'persist-1',
    });
    expect(duplicate.retCode).toBe(110072);
    await sim.stop();

    sim = await startSimulator(options({ reset: true }));
    const fresh = client(sim);
    expect((await fresh.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' })).result.list).toEqual([]);
    expect((await fresh.getWalletBalance({ accountType: 'UNIFIED' })).result.list[0].totalWalletBalance).toMatch(
      /^10000(\.0+)?$/,
    );
  });
});
