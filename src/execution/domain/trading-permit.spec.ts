import { isOperationalBlock, PermitSources, TradingPermit } from './trading-permit';

const NOW = 1_700_000_000_000;

/** The foreign facets as plain mutable fields: each test flips one and asks again, with no event in between. */
function aWorld(overrides: Partial<World> = {}): World {
  return {
    leaseHeld: true,
    generation: 1,
    killSwitch: false,
    breakerOpen: false,
    staleSymbols: new Set<string>(),
    ...overrides,
  };
}

interface World {
  leaseHeld: boolean;
  generation: number;
  killSwitch: boolean;
  breakerOpen: boolean;
  staleSymbols: Set<string>;
}

function sourcesOf(world: World): PermitSources {
  return {
    leaseHeld: () => world.leaseHeld,
    leaseGeneration: () => world.generation,
    killSwitchActive: () => world.killSwitch,
    tradeBreakerOpen: () => world.breakerOpen,
    bookFresh: (symbol) => !world.staleSymbols.has(symbol),
  };
}

/** A permit granted under the world's generation, with the bot started: open for everything. */
function anOpenPermit(world: World): TradingPermit {
  const sut = new TradingPermit(sourcesOf(world));
  sut.setWanted(true);
  expect(sut.grant(world.generation)).toBe(true);
  return sut;
}

describe(TradingPermit.name, () => {
  it('should be closed at start, before any reconciliation, even with the bot started and the lease held', () => {
    const sut = new TradingPermit(sourcesOf(aWorld()));
    sut.setWanted(true);

    expect([sut.entryBlock('BTCUSDT', NOW), sut.exitBlock(), sut.sendBlock()]).toEqual([
      'NOT_RECONCILED',
      'NOT_RECONCILED',
      'NOT_RECONCILED',
    ]);
    expect(sut.paused).toBe('not reconciled yet');
    expect(sut.trading).toBe(false);
  });

  it('should open entries, exits and sends once granted under the generation held', () => {
    const sut = anOpenPermit(aWorld());

    expect([sut.entryBlock('BTCUSDT', NOW), sut.exitBlock(), sut.sendBlock()]).toEqual([null, null, null]);
    expect(sut.paused).toBeNull();
    expect(sut.trading).toBe(true);
    expect(sut.reconciled).toBe(true);
  });

  it('should close everything for the very next question when the lease goes, with no event in between', () => {
    const world = aWorld();
    const sut = anOpenPermit(world);

    world.leaseHeld = false;

    expect([sut.entryBlock('BTCUSDT', NOW), sut.exitBlock(), sut.sendBlock()]).toEqual([
      'LEASE_NOT_HELD',
      'LEASE_NOT_HELD',
      'LEASE_NOT_HELD',
    ]);
    expect(sut.trading).toBe(false);
    expect(sut.leaseHeld).toBe(false);
  });

  it('should stay closed when the lease comes back under a new generation, until a reconciliation under it grants', () => {
    const world = aWorld();
    const sut = anOpenPermit(world);

    world.leaseHeld = false;
    world.generation = 2;
    world.leaseHeld = true;

    expect([sut.entryBlock('BTCUSDT', NOW), sut.exitBlock(), sut.sendBlock()]).toEqual([
      'NOT_RECONCILED',
      'NOT_RECONCILED',
      'NOT_RECONCILED',
    ]);
    expect(sut.reconciled).toBe(false);
    // A run that started under the old acquisition vouches for nothing now.
    expect(sut.grant(1)).toBe(false);
    expect(sut.exitBlock()).toBe('NOT_RECONCILED');
    expect(sut.grant(2)).toBe(true);
    expect(sut.exitBlock()).toBeNull();
  });

  it('should refuse a grant while the lease is not held', () => {
    const world = aWorld({ leaseHeld: false });
    const sut = new TradingPermit(sourcesOf(world));

    expect(sut.grant(1)).toBe(false);
    expect(sut.paused).toBe('not reconciled yet');
  });

  it('should stop new entries and exits while a reconciliation runs, but not an order already written', () => {
    const sut = anOpenPermit(aWorld());

    sut.suspend('reconciling');

    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('NOT_RECONCILED');
    expect(sut.exitBlock()).toBe('NOT_RECONCILED');
    expect(sut.sendBlock()).toBeNull();
    expect(sut.paused).toBe('reconciling');
    expect(sut.trading).toBe(false);
  });

  it('should stop entries only (never exits or sends) when the bot is stopped or a safety rule says no', () => {
    const world = aWorld();
    const sut = anOpenPermit(world);
    const blocks = (): unknown[] => [sut.entryBlock('BTCUSDT', NOW), sut.exitBlock(), sut.sendBlock()];

    sut.setWanted(false);
    expect(blocks()).toEqual(['BOT_STOPPED', null, null]);
    sut.setWanted(true);

    world.killSwitch = true;
    expect(blocks()).toEqual(['KILL_SWITCH_ACTIVE', null, null]);
    world.killSwitch = false;

    world.staleSymbols.add('BTCUSDT');
    expect(blocks()).toEqual(['BOOK_STALE', null, null]);
    expect(sut.entryBlock('ETHUSDT', NOW)).toBeNull();
    world.staleSymbols.clear();

    world.breakerOpen = true;
    expect(blocks()).toEqual(['BREAKER_OPEN', null, null]);
  });

  it('should report the operating state before the safety rules, in a fixed order', () => {
    const world = aWorld({ killSwitch: true, breakerOpen: true, staleSymbols: new Set(['BTCUSDT']) });
    const sut = anOpenPermit(world);

    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('KILL_SWITCH_ACTIVE');
    world.killSwitch = false;
    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('BOOK_STALE');
    sut.setWanted(false);
    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('BOT_STOPPED');
    sut.suspend('reconciling');
    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('NOT_RECONCILED');
    world.leaseHeld = false;
    expect(sut.entryBlock('BTCUSDT', NOW)).toBe('LEASE_NOT_HELD');
  });

  it('should class the operating-state blocks apart from the safety rules', () => {
    expect(
      (
        ['LEASE_NOT_HELD', 'NOT_RECONCILED', 'BOT_STOPPED', 'KILL_SWITCH_ACTIVE', 'BREAKER_OPEN', 'BOOK_STALE'] as const
      ).filter(isOperationalBlock),
    ).toEqual(['LEASE_NOT_HELD', 'NOT_RECONCILED', 'BOT_STOPPED']);
  });
});
