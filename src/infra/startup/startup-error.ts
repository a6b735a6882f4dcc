import { createServer } from 'node:net';

/**
 * A start-up failure the operator can act on: what failed, and what to do about it. main.ts prints both lines
 * and exits 1, without a stack trace (the message is the whole story).
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Whether a TCP port can be bound on host right now (another program, or another instance, may hold it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free on 127.0.0.1 at this moment. */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The operator-facing text of a failed listen on a busy port, naming the variable that moves it. */
export function portInUse(port: number, variable: string, what: string): StartupError {
  return new StartupError(
    `${what} cannot listen on port ${port}: the port is in use (another instance of this service, or another program).`,
    `Stop the program holding port ${port} (e.g. \`ss -ltnp 'sport = :${port}'\` shows it), or set ${variable} to a free port.`,
  );
}
