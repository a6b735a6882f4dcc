/**
 * What a module that takes part in trading (market data, strategy, execution, recovery…) registers with the
 * bot lifecycle: it is started and stopped with the bot and reports its own real state.
 */
export interface ParticipantStatus {
  /** e.g. 'running', 'stopped', 'degraded', 'reconciling' */
  readonly state: string;
  /** Named connections and their states, e.g. { 'bybit.public': 'connected' }. */
  readonly connections?: Readonly<Record<string, string>>;
  readonly counters?: Readonly<Record<string, number>>;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface BotParticipant {
  readonly name: string;
  start(): Promise<void>;
  stop(reason: string): Promise<void>;
  status(): ParticipantStatus;
}
