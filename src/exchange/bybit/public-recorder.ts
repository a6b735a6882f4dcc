import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { WebSocket } from 'ws';

export interface RecorderOptions {
  /** A Bybit V5 public stream URL, e.g. wss://stream.bybit.com/v5/public/linear. */
  readonly url: string;
  readonly topics: readonly string[];
  readonly file: string;
  readonly durationMs: number;
  /** Bybit asks for a ping about every 20 s. */
  readonly pingIntervalMs?: number;
}

export interface RecordingSummary {
  readonly messages: number;
  readonly bytes: number;
  readonly byTopic: Readonly<Record<string, number>>;
}

/**
 * Records Bybit public WebSocket data messages as JSON lines, one message per line exactly as Bybit sent it —
 * the format of Bybit's historical order-book downloads and of the simulator's replay mode. Acks and pongs are
 * not data and are left out. Stops by itself after `durationMs`.
 */
export function recordPublicStream(options: RecorderOptions): Promise<RecordingSummary> {
  mkdirSync(dirname(options.file), { recursive: true });
  const out: WriteStream = createWriteStream(options.file, { flags: 'w' });
  const byTopic: Record<string, number> = {};
  let messages = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url);
    let ping: NodeJS.Timeout | undefined;
    const stopTimer = setTimeout(() => socket.close(), options.durationMs);
    socket.on('open', () => {
      // Bybit accepts at most 10 args per subscribe request.
      for (let i = 0; i < options.topics.length; i += 10) {
        socket.send(JSON.stringify({ op: 'subscribe', req_id: `rec-${i}`, args: options.topics.slice(i, i + 10) }));
      }
      ping = setInterval(() => socket.send(JSON.stringify({ op: 'ping' })), options.pingIntervalMs ?? 20_000);
    });
    socket.on('message', (data) => {
      const text = String(data);
      if (!text.includes('"topic"')) {
        const reply = JSON.parse(text) as { op?: string; success?: boolean; ret_msg?: string };
        if (reply.op === 'subscribe' && reply.success === false)
          socket.emit('error', new Error(`subscribe refused: ${reply.ret_msg}`));
        return;
      }
      const topic = (JSON.parse(text) as { topic: string }).topic;
      byTopic[topic] = (byTopic[topic] ?? 0) + 1;
      messages += 1;
      bytes += text.length + 1;
      out.write(`${text}\n`);
    });
    socket.on('error', (error) => {
      clearTimeout(stopTimer);
      socket.terminate();
      out.end(() => reject(error));
    });
    socket.on('close', () => {
      clearTimeout(stopTimer);
      if (ping) clearInterval(ping);
      out.end(() => resolve({ messages, bytes, byTopic }));
    });
  });
}
