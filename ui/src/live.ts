import { useEffect, useRef, useState } from 'preact/hooks';
import { currentToken, endSession } from './session';

/**
 * The one /ws connection of the page. The token goes in the Sec-WebSocket-Protocol header (`bearer, <token>`), as
 * browsers cannot set Authorization on a WebSocket and a URL would leak it into logs. Subscriptions are reference
 * counted per channel and replayed after every reconnect; reconnects back off exponentially (0.5 s … 30 s, jittered).
 * Close code 4401/4403 means the token is no longer accepted: the session ends with the server's reason.
 */
export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Sample<T> {
  readonly data: T;
  /** Local receive time (ms). */
  readonly at: number;
  readonly seq?: number;
}

type Handler = (sample: Sample<unknown>) => void;

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

class LiveFeed {
  private socket: WebSocket | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly latest = new Map<string, Sample<unknown>>();
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private attempts = 0;
  private retryTimer: number | undefined;
  state: LinkState = 'closed';
  /** Reconnects since the page loaded (shown on the overview). */
  reconnects = 0;

  start(): void {
    if (this.socket || this.retryTimer !== undefined) return;
    this.open();
  }

  stop(): void {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'logout');
    this.latest.clear();
    this.setState('closed');
  }

  /** `replay`: hand the channel's newest push to the new handler at once (states yes, events no). */
  subscribe(channel: string, handler: Handler, replay = true): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.send({ op: 'subscribe', channels: [channel] });
    }
    set.add(handler);
    const last = replay ? this.latest.get(channel) : undefined;
    if (last) handler(last);
    return () => {
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        this.latest.delete(channel);
        this.send({ op: 'unsubscribe', channels: [channel] });
      }
    };
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private open(): void {
    this.retryTimer = undefined;
    const token = currentToken();
    if (!token) return this.setState('closed');
    this.setState(this.attempts === 0 ? 'connecting' : 'reconnecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws`, ['bearer', token]);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.setState('open');
      const channels = [...this.handlers.keys()];
      if (channels.length > 0) this.send({ op: 'subscribe', channels });
    };
    socket.onmessage = (event: MessageEvent<string>) => this.receive(event.data);
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return; // stopped on purpose
      this.socket = null;
      if (event.code === 4401 || event.code === 4403) {
        this.setState('closed');
        endSession(`Signed out: ${event.reason || 'the token was refused'}.`);
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.attempts += 1;
    this.reconnects += 1;
    this.setState('reconnecting');
    const ceiling = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.attempts - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  private receive(text: string): void {
    let message: { channel?: string; data?: unknown; seq?: number };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.channel !== 'string') return; // op replies
    const sample: Sample<unknown> = { data: message.data, at: Date.now(), seq: message.seq };
    this.latest.set(message.channel, sample);
    const set = this.handlers.get(message.channel);
    if (set) for (const handler of set) handler(sample);
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setState(state: LinkState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

export const live = new LiveFeed();

/** The newest push of a state channel (orderbook:X, metrics:X, bot), re-rendering on each one. */
export function useChannel<T>(channel: string | null): Sample<T> | undefined {
  const [sample, setSample] = useState<Sample<T> | undefined>(undefined);
  useEffect(() => {
    setSample(undefined);
    if (!channel) return;
    return live.subscribe(channel, (s) => setSample(s as Sample<T>));
  }, [channel]);
  return sample;
}

/**
 * Every push of an event channel (orders, positions, signals) handed to `onEvent`, in order. The newest `onEvent` is
 * called (it may close over props that changed since the subscription was made).
 */
export function useEvents<T>(channel: string, onEvent: (data: T) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => live.subscribe(channel, (s) => handler.current(s.data as T), false), [channel]);
}

export function useLinkState(): LinkState {
  const [state, setState] = useState<LinkState>(live.state);
  useEffect(() => live.onState(setState), []);
  return state;
}

/** Re-renders every `ms`, so "stale" and "ago" labels age without a push. */
export function useTicker(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** A feed is stale when nothing arrived for this long (the server pushes books every 100 ms while they move). */
export const STALE_AFTER_MS = 3000;

export function isStale(sample: Sample<unknown> | undefined, now: number): boolean {
  return !sample || now - sample.at > STALE_AFTER_MS;
}
