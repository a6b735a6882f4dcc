/**
 * After-the-fact events that flow back from the trading modules (audit rows, /ws pushes, snapshots).
 * Each carries the trace id of the operation that caused it. New modules extend this map.
 */
export interface DomainEvents {
  'bot.started': {
    readonly traceId?: string;
    readonly actor: string;
    readonly previous: string;
    readonly mode: string;
  };
  'bot.stopped': {
    readonly traceId?: string;
    readonly actor: string;
    readonly previous: string;
    readonly reason: string;
  };
  'auth.password-changed': { readonly traceId?: string; readonly actor: string; readonly passwordVersion: number };
  /** A login refused (wrong password or throttled) to an unauthenticated caller: counted, not audited. */
  'auth.login-failed': { readonly traceId?: string; readonly clientAddress: string; readonly throttled: boolean };
  /** A wrong current password given by an authenticated principal (change-password): audited. */
  'auth.password-check-failed': { readonly traceId?: string; readonly actor: string; readonly clientAddress: string };
}

export type DomainEventName = keyof DomainEvents;
