import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineSnapshot } from './domain/sim-state';

/**
 * The simulated exchange's account (wallet, orders, executions, positions) as one JSON file under
 * DATA_DIR/simulator, replaced atomically (write a temp file, fsync by close, rename), so a process restart of
 * the venue — or of the bot that hosts it — finds the account where it was.
 */
export class AccountStore {
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'account.json');
  }

  load(): EngineSnapshot | undefined {
    if (!existsSync(this.file)) return undefined;
    return JSON.parse(readFileSync(this.file, 'utf8')) as EngineSnapshot;
  }

  save(snapshot: EngineSnapshot): void {
    mkdirSync(this.dir, { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(snapshot));
    renameSync(temp, this.file);
  }

  reset(): void {
    rmSync(this.file, { force: true });
  }
}
