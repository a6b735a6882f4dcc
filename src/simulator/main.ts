import { ConfigValidationError, loadAppConfig } from '../infra/config/app-config';
import { simulatorOptionsFrom } from './simulator-host.service';
import { startSimulator } from './simulator-runtime';

/**
 * `npm run sim`: the Bybit V5 simulator as its own process on 127.0.0.1:SIM_PORT, for bots started with
 * SIM_IN_PROCESS=false (the exchange then outlives the bot: crash tests, several bots on one venue).
 */
async function main(): Promise<void> {
  // `npm run sim -- --record <file> …` writes the market model to a recording instead of serving it.
  if (process.argv.includes('--record')) {
    const { runSimRecord } = await import('../backtest/sim-record.cli');
    await runSimRecord(process.argv.slice(2));
    return;
  }
  let config;
  try {
    config = loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const simulator = await startSimulator(simulatorOptionsFrom(config));
  process.stdout.write(
    `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'simulator ready', rest: simulator.restUrl, wsPublic: simulator.wsPublicUrl, wsPrivate: simulator.wsPrivateUrl, ws: simulator.wsUrl, control: `${simulator.restUrl}/sim/faults` })}\n`,
  );
  const stop = async (signal: string) => {
    process.stdout.write(
      `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'simulator stopping', signal })}\n`,
    );
    await simulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
