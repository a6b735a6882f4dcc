import {
  dailyPartition,
  expiredPartitions,
  parsePartitionName,
  partitionsToEnsure,
  startOfUtcDay,
} from './partition-plan';

const NOW = new Date('2025-03-15T12:34:56.789Z');

describe('partition-plan', () => {
  describe(dailyPartition.name, () => {
    it('should name and bound the UTC day when given an instant inside it', () => {
      const sut = dailyPartition(NOW);

      expect(sut).toEqual({
        name: 'market_data_snapshots_p20250315',
        from: new Date('2025-03-15T00:00:00.000Z'),
        to: new Date('2025-03-16T00:00:00.000Z'),
      });
    });

    it('should use the UTC day when the instant is late evening in a western time zone', () => {
      // 2025-03-15 23:30 in New York is already the 16th in UTC.
      expect(dailyPartition(new Date('2025-03-15T23:30:00-04:00')).name).toBe('market_data_snapshots_p20250316');
    });

    it('should cross month and leap-year boundaries when the day is the last of February', () => {
      expect(dailyPartition(new Date('2024-02-29T10:00:00Z')).to).toEqual(new Date('2024-03-01T00:00:00Z'));
    });
  });

  describe(startOfUtcDay.name, () => {
    it('should refuse an invalid date when given one', () => {
      expect(() => startOfUtcDay(new Date('nope'))).toThrow(RangeError);
    });
  });

  describe(parsePartitionName.name, () => {
    it('should round-trip a name it produced when parsing it', () => {
      expect(parsePartitionName('market_data_snapshots_p20250101')).toEqual(
        dailyPartition(new Date('2025-01-01T00:00:00Z')),
      );
    });

    it.each([
      ['a foreign table', 'market_data_snapshots_default'],
      ['an impossible date', 'market_data_snapshots_p20250230'],
      ['a month 13', 'market_data_snapshots_p20251301'],
      ['a suffix', 'market_data_snapshots_p20250101_old'],
      ['another table', 'orders_p20250101'],
    ])('should return null when the name is %s', (_label, name) => {
      expect(parsePartitionName(name)).toBeNull();
    });
  });

  describe(partitionsToEnsure.name, () => {
    it('should list today and the next three UTC days when using the default horizon', () => {
      const sut = partitionsToEnsure(NOW);

      expect(sut.map((p) => p.name)).toEqual([
        'market_data_snapshots_p20250315',
        'market_data_snapshots_p20250316',
        'market_data_snapshots_p20250317',
        'market_data_snapshots_p20250318',
      ]);
    });

    it('should produce contiguous ranges when listing several days', () => {
      const sut = partitionsToEnsure(new Date('2025-12-30T05:00:00Z'), 3);

      for (let i = 1; i < sut.length; i += 1) expect(sut[i].from).toEqual(sut[i - 1].to);
      expect(sut[3].name).toBe('market_data_snapshots_p20260102');
    });

    it('should refuse a negative horizon when given one', () => {
      expect(() => partitionsToEnsure(NOW, -1)).toThrow(RangeError);
    });
  });

  describe(expiredPartitions.name, () => {
    const names = [
      'market_data_snapshots_p20250305', // upper bound 03-06: 9.5 days old
      'market_data_snapshots_p20250307', // upper bound 03-08 00:00, before the cutoff 03-08 12:34
      'market_data_snapshots_p20250308', // straddles the cutoff: kept whole
      'market_data_snapshots_p20250310',
      'market_data_snapshots_p20250315', // today
      'market_data_snapshots_p20250316', // tomorrow
      'market_data_snapshots_default',
      'market_data_snapshots_p20250230',
    ];

    it('should return only partitions entirely older than the window when retention is 7 days', () => {
      const sut = expiredPartitions(names, NOW, 7);

      expect(sut.map((p) => p.name)).toEqual(['market_data_snapshots_p20250305', 'market_data_snapshots_p20250307']);
    });

    it('should sort oldest first when the input is unordered', () => {
      const sut = expiredPartitions(['market_data_snapshots_p20250307', 'market_data_snapshots_p20250301'], NOW, 7);

      expect(sut.map((p) => p.name)).toEqual(['market_data_snapshots_p20250301', 'market_data_snapshots_p20250307']);
    });

    it('should keep today and yesterday when retention is one day', () => {
      const sut = expiredPartitions(
        ['market_data_snapshots_p20250313', 'market_data_snapshots_p20250314', 'market_data_snapshots_p20250315'],
        NOW,
        1,
      );

      // Yesterday's upper bound (today 00:00) is later than now - 1 day (yesterday 12:34): some rows are recent.
      expect(sut.map((p) => p.name)).toEqual(['market_data_snapshots_p20250313']);
    });

    it('should drop yesterday exactly when the cutoff reaches its upper bound', () => {
      const midnightPlusOneDay = new Date('2025-03-16T00:00:00Z');

      const sut = expiredPartitions(['market_data_snapshots_p20250314'], midnightPlusOneDay, 1);

      expect(sut.map((p) => p.name)).toEqual(['market_data_snapshots_p20250314']);
    });

    it.each([0, -1, 1.5, Number.NaN])('should refuse retention %p when it is not a positive integer', (days) => {
      expect(() => expiredPartitions(names, NOW, days)).toThrow(RangeError);
    });
  });
});
