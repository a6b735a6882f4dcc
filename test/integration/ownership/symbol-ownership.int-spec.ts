import { mkdtempSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SystemClock } from '../../../src/common/clock';
import { loadAppConfig } from '../../../src/infra/config/app-config';
import { DomainEvents } from '../../../src/infra/events/domain-events';
import { EventBus } from '../../../src/infra/events/event-bus';
import { leaseName } from '../../../src/ownership/domain/symbol-lease';
import { SymbolOwnershipService } from '../../../src/ownership/symbol-ownership.service';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { waitFor } from '../../support/wait-for';

/*
 * Real: PostgreSQL (advisory locks, pg_locks, pg_stat_activity, pg_terminate_backend), the service's own sessions,
 * timers and the EventBus. Each SymbolOwnershipService is one instance of the bot; they share one database.
 */
type OwnershipEvent = DomainEvents['ownership.changed'];

interface Instance {
  readonly sut: SymbolOwnershipService;
  readonly events: OwnershipEvent[];
}

const CHECK_MS = 100;

describe(`${SymbolOwnershipService.name} on PostgreSQL`, () => {
  let database: TestDatabase;
  let admin: Client;
  const started: SymbolOwnershipService[] = [];
  const rawSessions: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  afterEach(async () => {
    for (const sut of started.splice(0)) await sut.onApplicationShutdown();
    for (const client of rawSessions.splice(0)) await client.end().catch(() => undefined);
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  function anInstance(name: string, pairs: string, url = database.url): Instance {
    const config = loadAppConfig(
      {
        APP_PASSWORD: 'a-long-password',
        SECRET_KEY: 'k'.repeat(64),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'ownership-int-')),
        TRADING_PAIRS: pairs,
        INSTANCE_NAME: name,
        SYMBOL_LEASE_CHECK_MS: String(CHECK_MS),
      },
      { dotenvPath: false },
    );
    const bus = new EventBus();
    const events: OwnershipEvent[] = [];
    bus.on('ownership.changed', (event) => void events.push(event));
    const sut = new SymbolOwnershipService(config, url, bus, new SystemClock());
    started.push(sut);
    return { sut, events };
  }

  /** Another session holding a symbol's lock, as a foreign instance would. */
  async function foreignHolder(name: string, symbol: string): Promise<Client> {
    const client = new Client({ connectionString: database.url, application_name: name });
    await client.connect();
    rawSessions.push(client);
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [leaseName(symbol)]);
    return client;
  }

  async function locksHeldBy(applicationName: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
      [applicationName],
    );
    return rows[0].n;
  }

  async function terminateSessionsOf(applicationName: string): Promise<void> {
    const { rows } = await admin.query<{ done: boolean }>(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1`,
      [applicationName],
    );
    expect(rows).toEqual([{ done: true }]);
  }

  const eventually = (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) =>
    waitFor(condition, { what, timeoutMs, intervalMs: 20 });

  /** An instance that owns its symbols through a TCP relay that can be frozen (see tcpProxyTo). */
  async function anOwnerBehindRelay(
    name: string,
    pairs: string,
  ): Promise<{ network: Awaited<ReturnType<typeof tcpProxyTo>>; instance: Instance }> {
    const network = await tcpProxyTo(new URL(database.url));
    const url = new URL(database.url);
    url.host = `127.0.0.1:${network.port}`;
    const instance = anInstance(name, pairs, url.toString());
    instance.sut.onApplicationBootstrap();
    await eventually(() => instance.sut.ownsAll(), `${name} owns ${pairs}`);
    return { network, instance };
  }

  it('should give every symbol to the first instance and make the second wait, naming the holder', async () => {
    const first = anInstance('bot-a', 'ETHUSDT,BTCUSDT');
    const second = anInstance('bot-b', 'BTCUSDT,ETHUSDT');

    first.sut.onApplicationBootstrap();
    await eventually(() => first.sut.ownsAll(), 'first instance owns its symbols');
    second.sut.onApplicationBootstrap();
    await eventually(() => second.sut.status().state === 'waiting', 'second instance waits');

    expect(first.events).toEqual([
      { state: 'acquired', symbols: ['BTCUSDT', 'ETHUSDT'], instance: 'bot-a', reason: 'lease acquired' },
    ]);
    expect(second.events).toEqual([]);
    expect(second.sut.ownsAll()).toBe(false);
    expect(second.sut.status().details.holders).toEqual({ BTCUSDT: 'bot-a', ETHUSDT: 'bot-a' });
    await expect(second.sut.start()).rejects.toThrow(
      'BTCUSDT, ETHUSDT: traded by another instance (BTCUSDT by bot-a, ETHUSDT by bot-a)',
    );
    await expect(first.sut.start()).resolves.toBeUndefined();
    expect(await locksHeldBy('bot-a')).toBe(2);
    expect(await locksHeldBy('bot-b')).toBe(0);
  });

  it('should take all of its symbols or none, and take them once every one is free', async () => {
    const other = await foreignHolder('someone-else', 'ETHUSDT');
    const instance = anInstance('bot-c', 'BTCUSDT,ETHUSDT');

    instance.sut.onApplicationBootstrap();
    await eventually(() => instance.sut.status().state === 'waiting', 'instance waits for ETHUSDT');
    expect(instance.sut.status().details.holders).toEqual({ ETHUSDT: 'someone-else' });
    // Each round takes BTCUSDT and gives it back: a third session waiting for it gets it within a round.
    const probe = await foreignHolder('probe', 'BTCUSDT');
    expect(await locksHeldBy('bot-c')).toBe(0);

    await other.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [leaseName('ETHUSDT')]);
    await eventually(
      () => instance.sut.status().details.holders.BTCUSDT === 'probe',
      'instance sees BTCUSDT held by the probe',
    );
    await new Promise((resolve) => setTimeout(resolve, 3 * CHECK_MS));
    expect(instance.sut.ownsAll()).toBe(false);
    expect(await locksHeldBy('bot-c')).toBe(0);

    await probe.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [leaseName('BTCUSDT')]);
    await eventually(() => instance.sut.ownsAll(), 'instance owns both once both are free');
    expect(await locksHeldBy('bot-c')).toBe(2);
    expect(instance.events.map((e) => e.state)).toEqual(['acquired']);
  });

  it('should hand the symbols to the waiting instance when the holder shuts down', async () => {
    const first = anInstance('bot-d', 'BTCUSDT');
    const standby = anInstance('bot-e', 'BTCUSDT');
    first.sut.onApplicationBootstrap();
    await eventually(() => first.sut.ownsAll(), 'first owns BTCUSDT');
    standby.sut.onApplicationBootstrap();
    await eventually(() => standby.sut.status().state === 'waiting', 'standby waits');

    await first.sut.onApplicationShutdown();
    const releasedAt = Date.now();

    expect(first.sut.status().state).toBe('released');
    expect(await locksHeldBy('bot-d')).toBe(0);
    // The locks are taken at once, but trading waits until a holder that had lost them must have noticed.
    await eventually(() => standby.sut.status().state === 'taking-over', 'standby takes the locks');
    expect(await locksHeldBy('bot-e')).toBe(1);
    expect(standby.sut.ownsAll()).toBe(false);
    expect(standby.events).toEqual([]);
    await eventually(() => standby.sut.ownsAll(), 'standby trades BTCUSDT', 6000);
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(standby.sut.takeoverDelayMs);
    expect(standby.sut.takeoverDelayMs).toBe(CHECK_MS + 2000 + 500);
    expect(standby.events).toEqual([
      { state: 'acquired', symbols: ['BTCUSDT'], instance: 'bot-e', reason: 'lease taken over' },
    ]);
    // A clean shutdown is not a loss: nobody was told to stop trading in a hurry.
    expect(first.events.map((e) => e.state)).toEqual(['acquired']);
  });

  it('should report the lease lost as soon as its session is killed, and take it back when nobody else has', async () => {
    const instance = anInstance('bot-f', 'BTCUSDT,SOLUSDT');
    instance.sut.onApplicationBootstrap();
    await eventually(() => instance.sut.ownsAll(), 'instance owns its symbols');

    await terminateSessionsOf('bot-f');

    // The closed connection is noticed at once, not at the next check.
    await eventually(() => instance.events.some((e) => e.state === 'lost'), 'loss reported', CHECK_MS / 2 + 400);
    const lost = instance.events.find((e) => e.state === 'lost')!;
    expect(lost).toMatchObject({ symbols: ['BTCUSDT', 'SOLUSDT'], instance: 'bot-f' });
    expect(lost.reason).toMatch(/^lease session (error|closed)/);
    await eventually(() => instance.sut.ownsAll(), 'lease taken back');
    expect(instance.events.map((e) => e.state)).toEqual(['acquired', 'lost', 'acquired']);
    expect(instance.sut.status().counters).toEqual({ acquisitions: 2, losses: 1 });
    expect(await locksHeldBy('bot-f')).toBe(2);
  });

  it('should leave the symbols to the standby that took them while its own session was down', async () => {
    const first = anInstance('bot-g', 'ETHUSDT');
    const standby = anInstance('bot-h', 'ETHUSDT');
    first.sut.onApplicationBootstrap();
    await eventually(() => first.sut.ownsAll(), 'first owns ETHUSDT');
    standby.sut.onApplicationBootstrap();
    await eventually(() => standby.sut.status().state === 'waiting', 'standby waits');

    await terminateSessionsOf('bot-g');

    await eventually(() => standby.sut.ownsAll(), 'standby takes ETHUSDT over');
    await eventually(() => first.sut.status().state === 'waiting', 'first now waits');
    expect(first.sut.ownsAll()).toBe(false);
    expect(first.sut.status().details.holders).toEqual({ ETHUSDT: 'bot-h' });
    await expect(first.sut.start()).rejects.toThrow('ETHUSDT: traded by another instance (ETHUSDT by bot-h)');
    expect(first.events.map((e) => e.state)).toEqual(['acquired', 'lost']);
  });

  it('should end its own session that went silent, instead of waiting for itself, when the network comes back', async () => {
    const { network, instance } = await anOwnerBehindRelay('bot-i', 'SOLUSDT');
    try {
      const [{ pid: oldPid }] = (
        await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'bot-i'`)
      ).rows;

      // A partition: the bytes stop, but neither side sees the connection close; the server keeps the session.
      network.freezeOpenConnections();

      await eventually(
        () => instance.events.some((e) => e.state === 'lost'),
        'a check that does not answer counts as a loss',
        4000,
      );
      expect(instance.events.find((e) => e.state === 'lost')!.reason).toMatch(/timeout/i);
      expect(await locksHeldBy('bot-i')).toBe(1);
      // New connections get through again: the fresh session ends the old one, then takes the lease back.
      await eventually(() => instance.sut.ownsAll(), 'lease taken back from our own stale session', 6000);
      const sessions = (
        await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'bot-i'`)
      ).rows;
      expect(sessions).toHaveLength(1);
      expect(sessions[0].pid).not.toBe(oldPid);
      expect(await locksHeldBy('bot-i')).toBe(1);
      expect(instance.events.map((e) => e.state)).toEqual(['acquired', 'lost', 'acquired']);
    } finally {
      await network.close();
    }
  });

  it('should shut down promptly even when its session has gone silent', async () => {
    const { network, instance } = await anOwnerBehindRelay('bot-j', 'BTCUSDT');
    try {
      network.freezeOpenConnections();
      // Let a check start and hang on the frozen session.
      await new Promise((resolve) => setTimeout(resolve, 2 * CHECK_MS));

      const startedAt = Date.now();
      await instance.sut.onApplicationShutdown();

      // A wait for the stuck check, then a polite goodbye, each cut off after a second.
      expect(Date.now() - startedAt).toBeLessThan(3000);
      expect(instance.sut.status().state).toBe('released');
    } finally {
      await network.close();
    }
  });
});

/** A loopback TCP relay to PostgreSQL whose open connections can be frozen (no bytes, no close), as in a partition. */
async function tcpProxyTo(
  target: URL,
): Promise<{ port: number; freezeOpenConnections(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const frozen: Socket[] = [];
  const server: Server = createServer((inbound) => {
    const outbound = new Socket();
    outbound.connect(Number(target.port || 5432), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => open.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freezeOpenConnections: () => {
      for (const socket of open) {
        socket.unpipe();
        socket.pause();
        frozen.push(socket);
      }
      open.clear();
    },
    close: async () => {
      for (const socket of [...open, ...frozen]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
