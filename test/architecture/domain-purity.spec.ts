import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function domainFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) continue;
      if (name === 'domain') found.push(...filesUnder(path));
      else walk(path);
    }
  };
  walk(SRC);
  return found;
}

/** What STYLE.md keeps out of `src/<module>/domain/`: frameworks, I/O, ambient time and environment. */
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/from '@nestjs\//, 'a NestJS import'],
  [/from 'typeorm'/, 'TypeORM'],
  [/from '(pg|ioredis|bybit-api|opossum|bottleneck|pino|nestjs-pino|ws|fastify)'/, 'an I/O or infrastructure library'],
  [/from 'node:(fs|net|http|https|child_process)'/, 'file or network I/O'],
  [/process\.env/, 'process.env'],
  [/Date\.now\(\)|new Date\(\)/, 'the wall clock (pass time in)'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'a timer'],
];

describe('domain purity (STYLE.md §1)', () => {
  const files = domainFiles();

  it('should find the domain folders', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('should keep frameworks, I/O, timers and ambient time out of every domain/ file', () => {
    const violations: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (/^\s*(\/\/|\*)/.test(line)) return; // comments may name what they avoid
        for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) violations.push(`${relative(SRC, file)}:${index + 1} uses ${what}`);
      });
    }
    expect(violations).toEqual([]);
  });
});
