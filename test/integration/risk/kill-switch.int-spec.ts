import { Logger } from '@nestjs/common';
import { TestingModule, Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuditService } from '../../../src/audit/audit.service';
import { Clock, FixedClock } from '../../../src/common/clock';
import { ExchangeModule } from '../../../src/exchange/exchange.module';
import { loadAppConfig } from '../../../src/infra/config/app-config';
import { ConfigModule } from '../../../src/infra/config/config.module';
import { DatabaseModule } from '../../../src/infra/database/database.module';
import { DomainEvents } from '../../../src/infra/events/domain-events';
import { toErrorBody } from '../../../src/infra/http/domain-exception.filter';
import { EventBus } from '../../../src/infra/events/event-bus';
import { EventsModule } from '../../../src/infra/events/events.module';
import { TimeModule } from '../../../src/infra/time/time.module';
import { OrderBookModule } from '../../../src/order-book/order-book.module';
import { OrderBookService } from '../../../src/order-book/order-book.service';
import { EntryRiskGate } from '../../../src/risk/domain/entry-risk-gate';
import { ExposureSource } from '../../../src/risk/domain/exposure-source';
import { KillSwitch } from '../../../src/risk/domain/kill-switch';
import { EMPTY_EXPOSURE, ExposureSnapshot } from '../../../src/risk/domain/risk.types';
import { KillSwitchStore, RISK_SCOPE } from '../../../src/risk/kill-switch.store';
import { RiskError } from '../../../src/risk/risk.errors';
import { RiskStateRepository } from '../../../src/risk/risk-state.repository';
import { RiskModule } from '../../../src/risk/risk.module';
import { RiskStatusQuery } from '../../../src/risk/risk-status.query';
import { createTestDatabase, TestDatabase } from '../../support/database';

/*
 * Real: PostgreSQL with every migration applied, TypeORM, Nest DI of RiskModule and the risk status query (with
 * the exchange and order-book providers they read), the EventBus; each TestingModule is one instance of the bot.
 * Faked: the clock (FixedClock); execution's exposure (a value the test sets, through the ExposureSource port).
 * Lifecycle hooks are called by hand, so the exchange never connects.
 */
const DAY_MS = 86_400_000;
const DAY_1_NOON = Date.UTC(2025, 0, 15, 12, 0, 0);
const DAY_2 = Date.UTC(2025, 0, 16, 0, 0, 0);
const MAX_DAILY_LOSS = 500;

type KillSwitchEvent = DomainEvents['risk.kill-switch-changed'];

interface Instance {
  /** The kill switch under test. */
  readonly sut: KillSwitchStore;
  /** The entry gate that reads it, and the status report (entriesAllowed, usage, rejection counts). */
  readonly gate: EntryRiskGate;
  readonly risk: RiskStatusQuery;
  /** What execution's exposure port answers. */
  exposure: ExposureSnapshot;
  readonly clock: FixedClock;
  readonly changes: KillSwitchEvent[];
  readonly moduleRef: TestingModule;
  /** Waits for this instance's writes, adopts the shared state, and lets event handlers run. */
  settle(): Promise<void>;
}

describe(`${KillSwitchStore.name} kill switch on PostgreSQL`, () => {
  let database: TestDatabase;
  let sql: Client;
  const instances: Instance[] = [];

  const config = loadAppConfig(
    {
      APP_PASSWORD: 'a-long-password',
      SECRET_KEY: 'k'.repeat(64),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'risk-int-')),
      TRADING_PAIRS: 'BTCUSDT',
      MAX_DAILY_LOSS_USDT: String(MAX_DAILY_LOSS),
    },
    { dotenvPath: false },
  );

  async function anInstance(nowMs = DAY_1_NOON): Promise<Instance> {
    const clock = new FixedClock(nowMs);
    const exposure: ExposureSource = { exposure: () => instance.exposure };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        TimeModule,
        EventsModule,
        DatabaseModule.forRoot(database.url, 4),
        ExchangeModule.forRoot(),
        OrderBookModule,
        RiskModule,
        AuditModule,
      ],
      providers: [RiskStatusQuery, { provide: ExposureSource, useValue: exposure }],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    const sut = moduleRef.get(KillSwitchStore);
    const bus = moduleRef.get(EventBus);
    const changes: KillSwitchEvent[] = [];
    bus.on('risk.kill-switch-changed', (event) => void changes.push(event));
    await sut.onModuleInit();
    moduleRef.get(AuditService).onModuleInit();
    const instance: Instance = {
      sut,
      gate: moduleRef.get(EntryRiskGate),
      risk: moduleRef.get(RiskStatusQuery),
      exposure: EMPTY_EXPOSURE,
      clock,
      changes,
      moduleRef,
      settle: async () => {
        await sut.refresh();
        await bus.drain();
      },
    };
    instances.push(instance);
    return instance;
  }

  async function storedRow(): Promise<Record<string, unknown>> {
    const { rows } = await sql.query(
      `SELECT trading_day::text AS trading_day, realised_pnl::text AS realised_pnl, baseline::text AS baseline, active, reason, changed_by
         FROM risk_state WHERE key = $1`,
      [RISK_SCOPE],
    );
    return rows[0] as Record<string, unknown>;
  }

  /** Makes every UPDATE of risk_state fail with `sqlState` (P0001: a plain exception, like an outage). */
  async function failRiskStateWrites(sqlState = 'P0001'): Promise<void> {
    await sql.query(`CREATE OR REPLACE FUNCTION refuse_risk_state() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'risk_state writes refused by the test' USING ERRCODE = '${sqlState}'; END $$`);
    await sql.query(
      `CREATE TRIGGER refuse_risk_state BEFORE UPDATE ON risk_state FOR EACH ROW EXECUTE FUNCTION refuse_risk_state()`,
    );
  }
  async function allowRiskStateWrites(): Promise<void> {
    await sql.query(`DROP TRIGGER refuse_risk_state ON risk_state`);
  }
  async function killSwitchAuditRows(): Promise<Array<Record<string, unknown>>> {
    const { rows } = await sql.query(
      `SELECT actor, old_value, new_value, reason FROM audit_logs WHERE action = 'KILL_SWITCH_CHANGE' ORDER BY id`,
    );
    return rows as Array<Record<string, unknown>>;
  }
  async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeEach(async () => {
    database = await createTestDatabase({ migrated: true });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });
  afterEach(async () => {
    for (const instance of instances.splice(0)) {
      await instance.sut.onModuleDestroy();
      await instance.moduleRef.close();
    }
    await sql.end();
    await database.drop();
  });

  it('should create the row inactive, for today, on the first start', async () => {
    const { sut, risk } = await anInstance();

    expect(await storedRow()).toEqual({
      trading_day: '2025-01-15',
      realised_pnl: '0',
      baseline: '0',
      active: false,
      reason: null,
      changed_by: null,
    });
    expect(sut.killSwitchStatus()).toMatchObject({
      active: false,
      tradingDay: '2025-01-15',
      dailyRealisedPnlUsdt: 0,
      maxDailyLossUsdt: 500,
    });
    expect(risk.entriesAllowed()).toBe(true);
  });

  it('should add up the losses of two instances and trip in SQL when together they reach the limit', async () => {
    const a = await anInstance();
    const b = await anInstance();

    a.sut.recordRealisedPnl(-300.25, DAY_1_NOON, 'trace-a');
    await a.settle();
    // b has not read a's loss: on its own it is under the limit, so only the shared sum can trip the switch.
    b.sut.recordRealisedPnl(-249.75, DAY_1_NOON + 1, 'trace-b');
    await b.settle();
    await a.settle();

    expect(await storedRow()).toMatchObject({
      realised_pnl: '-550.00',
      active: true,
      reason: 'daily realised loss 550 USDT reached MAX_DAILY_LOSS_USDT 500',
      changed_by: 'system',
    });
    expect(b.changes).toEqual([
      {
        traceId: 'trace-b',
        actor: 'system',
        active: true,
        previous: false,
        reason: 'daily realised loss 550 USDT reached MAX_DAILY_LOSS_USDT 500',
        dailyRealisedPnlUsdt: -550,
        maxDailyLossUsdt: 500,
      },
    ]);
    expect(a.changes).toEqual([]);
    expect([a.risk.entriesAllowed(), b.risk.entriesAllowed()]).toEqual([false, false]);
    expect(a.sut.killSwitchStatus()).toMatchObject({ active: true, dailyRealisedPnlUsdt: -550, changedBy: 'system' });
  });

  it('should trip in memory at once, before the write, and publish the change once', async () => {
    const a = await anInstance();

    a.sut.recordRealisedPnl(-500, DAY_1_NOON, 'trace-1');

    expect(a.risk.entriesAllowed()).toBe(false);
    await a.settle();
    expect(a.changes).toHaveLength(1);
    expect(await storedRow()).toMatchObject({ active: true, realised_pnl: '-500' });
  });

  it('should keep every increment when two instances write concurrently', async () => {
    const a = await anInstance();
    const b = await anInstance();
    const repositories = [a.moduleRef.get(RiskStateRepository), b.moduleRef.get(RiskStateRepository)];

    await Promise.all(
      Array.from({ length: 60 }, (_, i) => repositories[i % 2].addRealisedPnl(RISK_SCOPE, -0.1, DAY_1_NOON, 0)),
    );

    expect(await storedRow()).toMatchObject({ realised_pnl: '-6.0' });
  });

  it('should keep the switch, its reason and the day’s sums across a restart', async () => {
    const first = await anInstance();
    first.sut.recordRealisedPnl(-120, DAY_1_NOON);
    await first.sut.activateKillSwitch('operator', 'exchange incident');
    await first.sut.onModuleDestroy();

    const restarted = await anInstance(DAY_1_NOON + 60_000);

    expect(restarted.risk.entriesAllowed()).toBe(false);
    expect(restarted.sut.killSwitchStatus(DAY_1_NOON + 60_000)).toEqual({
      active: true,
      reason: 'exchange incident',
      since: new Date(DAY_1_NOON).toISOString(),
      changedBy: 'operator',
      tradingDay: '2025-01-15',
      dailyRealisedPnlUsdt: -120,
      maxDailyLossUsdt: 500,
    });
  });

  it('should persist a reset, reach the other instance, and count losses from the reset on', async () => {
    const a = await anInstance();
    const b = await anInstance();
    a.sut.recordRealisedPnl(-600, DAY_1_NOON);
    await a.settle();
    await b.settle();
    expect(b.risk.entriesAllowed()).toBe(false);

    const status = await b.sut.resetKillSwitch('operator');
    await b.settle();
    await a.settle();

    expect(status).toMatchObject({
      active: false,
      reason: 'reset by operator',
      changedBy: 'operator',
      dailyRealisedPnlUsdt: 0,
    });
    expect(await storedRow()).toMatchObject({
      realised_pnl: '-600',
      baseline: '-600',
      active: false,
      changed_by: 'operator',
    });
    expect(b.changes).toEqual([
      expect.objectContaining({ actor: 'operator', active: false, previous: true, reason: 'reset by operator' }),
    ]);
    expect(a.risk.entriesAllowed()).toBe(true);
    // The 600 lost before the reset no longer count: 499.99 more does not trip, the next cent does.
    a.sut.recordRealisedPnl(-499.99, DAY_1_NOON + 1);
    await a.settle();
    expect(a.risk.entriesAllowed()).toBe(true);
    a.sut.recordRealisedPnl(-0.01, DAY_1_NOON + 2);
    await a.settle();
    expect(a.risk.entriesAllowed()).toBe(false);
    expect(await storedRow()).toMatchObject({ realised_pnl: '-1100.00', active: true });
  });

  it('should start a new UTC day from zero but keep a tripped switch on until reset', async () => {
    const a = await anInstance();
    a.sut.recordRealisedPnl(-700, DAY_1_NOON);
    await a.settle();

    a.clock.advance(DAY_2 - DAY_1_NOON);
    a.sut.recordRealisedPnl(+25, DAY_2);
    await a.settle();

    expect(await storedRow()).toMatchObject({
      trading_day: '2025-01-16',
      realised_pnl: '25',
      baseline: '0',
      active: true,
    });
    expect(a.sut.killSwitchStatus()).toMatchObject({
      active: true,
      tradingDay: '2025-01-16',
      dailyRealisedPnlUsdt: 25,
    });

    // A late report for the finished day changes nothing.
    a.sut.recordRealisedPnl(-1000, DAY_1_NOON + 1);
    await a.settle();
    expect(await storedRow()).toMatchObject({ trading_day: '2025-01-16', realised_pnl: '25' });

    await a.sut.resetKillSwitch('operator');
    expect(await storedRow()).toMatchObject({ trading_day: '2025-01-16', baseline: '25', active: false });
  });

  it('should count and publish each refused entry with the signal id as trace id, and report it in the status', async () => {
    const instance = await anInstance();
    const { sut, gate, risk, moduleRef } = instance;
    const book = () => moduleRef.get(OrderBookService).book('BTCUSDT');
    const rejected: Array<DomainEvents['risk.rejected']> = [];
    moduleRef.get(EventBus).on('risk.rejected', (event) => void rejected.push(event));
    // BOT_NOT_TRADING is gone: whether the bot takes entries at all is execution's TradingPermit, asked first.
    const check = {
      signalId: 'sig-2',
      symbol: 'BTCUSDT',
      side: 'Buy' as const,
      price: '50000.0',
      nowMs: DAY_1_NOON,
    };
    instance.exposure = {
      ...EMPTY_EXPOSURE,
      openPositions: 2,
      openNotionalUsdt: 200,
      pendingNotionalUsdt: 50.5,
      availableBalanceUsdt: 900,
      leverage: 5,
    };

    const second = gate.checkEntry(check, EMPTY_EXPOSURE, book());
    await sut.activateKillSwitch('operator', 'maintenance');
    const third = gate.checkEntry({ ...check, signalId: 'sig-3' }, EMPTY_EXPOSURE, book());
    await moduleRef.get(EventBus).drain();
    const status = await risk.status();

    expect([second, third].map((d) => (d.approved ? 'APPROVED' : d.code))).toEqual([
      'BOOK_STALE',
      'KILL_SWITCH_ACTIVE',
    ]);
    expect(rejected.map((e) => [e.traceId, e.signalId, e.code])).toEqual([
      ['sig-2', 'sig-2', 'BOOK_STALE'],
      ['sig-3', 'sig-3', 'KILL_SWITCH_ACTIVE'],
    ]);
    expect(status.rejections).toMatchObject({
      BOOK_STALE: 1,
      KILL_SWITCH_ACTIVE: 1,
      MAX_EXPOSURE: 0,
    });
    expect(status.books).toEqual([{ symbol: 'BTCUSDT', stale: true, condition: 'no-data' }]);
    expect(status.usage).toEqual({
      openPositions: 2,
      maxOpenPositions: 5,
      openExposureUsdt: 200,
      pendingExposureUsdt: 50.5,
      exposureUsdt: 250.5,
      maxExposureUsdt: 10000,
      dailyRealisedPnlUsdt: 0,
      maxDailyLossUsdt: 500,
      availableBalanceUsdt: 900,
      leverage: 5,
    });
    expect(status.entriesAllowed).toBe(false);
    expect(status.circuitBreakers.find((b) => b.group === 'trade')).toMatchObject({ state: 'CLOSED' });
  });

  it('should store the same state the in-memory kill switch computes, for the same history', async () => {
    const { sut } = await anInstance();
    const reference = new KillSwitch(MAX_DAILY_LOSS);
    const history: Array<[number, number]> = [
      [-200, DAY_1_NOON],
      [+50.5, DAY_1_NOON + 1],
      [-360.5, DAY_1_NOON + 2],
      [-10, DAY_1_NOON + DAY_MS],
      [-495, DAY_1_NOON + DAY_MS + 1],
    ];

    for (const [pnl, atMs] of history) {
      sut.recordRealisedPnl(pnl, atMs);
      reference.record(pnl, atMs);
    }
    const repository = new KillSwitch(MAX_DAILY_LOSS);
    await sut.refresh();
    repository.restore((await instances[0].moduleRef.get(RiskStateRepository).read(RISK_SCOPE)).state);

    expect(repository.state).toEqual(reference.state);
  });

  describe('when the write fails', () => {
    it('should refuse an activation it cannot store with a 503 typed error, changing nothing and auditing nothing', async () => {
      const { sut, risk, changes, settle } = await anInstance();
      const before = sut.killSwitchStatus();
      await failRiskStateWrites();

      const refused = await sut.activateKillSwitch('operator', 'exchange incident').catch((e: unknown) => e);
      await settle();

      expect(refused).toBeInstanceOf(RiskError);
      expect(toErrorBody(refused, 'trace-1').body).toMatchObject({ statusCode: 503, code: 'KILL_SWITCH_NOT_STORED' });
      expect(risk.entriesAllowed()).toBe(true);
      expect(sut.killSwitchStatus()).toEqual(before);
      expect(changes).toEqual([]);
      expect(await storedRow()).toMatchObject({ active: false, reason: null });
      expect(await killSwitchAuditRows()).toEqual([]);

      // The same call succeeds, is stored and audited once the database accepts it.
      await allowRiskStateWrites();
      await sut.activateKillSwitch('operator', 'exchange incident');
      await settle();
      expect(risk.entriesAllowed()).toBe(false);
      expect(await storedRow()).toMatchObject({ active: true, reason: 'exchange incident', changed_by: 'operator' });
      expect(await killSwitchAuditRows()).toEqual([
        { actor: 'operator', old_value: { active: false }, new_value: { active: true }, reason: 'exchange incident' },
      ]);
    });

    it('should answer 400 when the database refuses the value itself (a data exception), changing nothing', async () => {
      const { sut, risk } = await anInstance();
      await failRiskStateWrites('22021');

      const refused = await sut.activateKillSwitch('operator', 'bad bytes').catch((e: unknown) => e);

      expect(toErrorBody(refused, 'trace-1').body).toMatchObject({
        statusCode: 400,
        code: 'KILL_SWITCH_INPUT_NOT_STORABLE',
      });
      expect(risk.entriesAllowed()).toBe(true);
      expect(await killSwitchAuditRows()).toEqual([]);
    });

    it('should refuse a reset it cannot store and keep the switch on', async () => {
      const { sut, risk, changes, settle } = await anInstance();
      await sut.activateKillSwitch('operator', 'maintenance');
      await settle();
      await failRiskStateWrites();

      const refused = await sut.resetKillSwitch('operator').catch((e: unknown) => e);
      await settle();

      expect(toErrorBody(refused, 'trace-1').body).toMatchObject({ statusCode: 503, code: 'KILL_SWITCH_NOT_STORED' });
      expect(risk.entriesAllowed()).toBe(false);
      expect(sut.killSwitchStatus()).toMatchObject({ active: true, reason: 'maintenance' });
      expect(changes.map((c) => c.active)).toEqual([true]);
      expect(await killSwitchAuditRows()).toHaveLength(1);
    });

    it('should stop entries at once on a loss trip it cannot store, write it again with back-off, and audit it once stored', async () => {
      const { sut, risk, changes, moduleRef } = await anInstance();
      const activate = jest.spyOn(moduleRef.get(RiskStateRepository), 'activate');
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        await failRiskStateWrites();

        sut.recordRealisedPnl(-600, DAY_1_NOON, 'trace-trip');
        expect(risk.entriesAllowed()).toBe(false);
        // 3.5 s of refused writes: the back-off writes again after 1 s and 3 s (not every second, like the
        // refresh timer that keeps reading meanwhile), and logs the first failures only.
        await new Promise((resolve) => setTimeout(resolve, 3500));
        expect(risk.entriesAllowed()).toBe(false);
        expect(activate.mock.calls.length).toBeGreaterThanOrEqual(1);
        expect(activate.mock.calls.length).toBeLessThanOrEqual(2);
        expect(errors.mock.calls.length).toBeLessThanOrEqual(2);
        expect(changes).toEqual([]);
        expect(await killSwitchAuditRows()).toEqual([]);
        expect(await storedRow()).toMatchObject({ active: false });

        await allowRiskStateWrites();
        await until(async () => (await storedRow()).active === true, 15_000);
        await moduleRef.get(EventBus).drain();
        await until(async () => (await killSwitchAuditRows()).length === 1, 5_000);

        expect(risk.entriesAllowed()).toBe(false);
        expect(await storedRow()).toMatchObject({
          active: true,
          reason: 'daily realised loss 600 USDT reached MAX_DAILY_LOSS_USDT 500',
          changed_by: 'system',
        });
        expect(changes).toEqual([expect.objectContaining({ actor: 'system', active: true, previous: false })]);
        expect(await killSwitchAuditRows()).toEqual([
          {
            actor: 'system',
            old_value: { active: false },
            new_value: { active: true },
            reason: 'daily realised loss 600 USDT reached MAX_DAILY_LOSS_USDT 500',
          },
        ]);
      } finally {
        errors.mockRestore();
      }
    });
  });
});
