import { Inject, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { AuthError } from '../auth/auth.error';
import { AuthService } from '../auth/auth.service';
import type { AuthPrincipal } from '../auth/auth.service';
import { Clock } from '../common/clock';
import { DashboardHub } from './dashboard-hub.service';
import { DEFAULT_GATEWAY_SETTINGS, GATEWAY_SETTINGS, GatewaySettings } from './gateway.settings';
import { MessageBudget } from './message-budget';
import { closeFor, WS_CLOSE_UNAUTHENTICATED } from './ws-errors';
import { selectProtocol, tokenFromUpgrade } from './ws-protocol';

/**
 * WS /ws (plain ws protocol via @nestjs/platform-ws on the HTTP server's port). The handshake and the limits that
 * protect the trading process live here: the JWT is verified once at connect (?token=, Authorization: Bearer, or
 * Sec-WebSocket-Protocol: bearer, <t>) and without a valid one the socket is closed with 4401 before any channel
 * data; connections are capped per client address (before authentication) and per principal (after); every
 * inbound message, ping frames included, spends the connection's budget (4429 when exhausted); open connections
 * are closed with 4401 once their token expires or a password change revokes it. Everything else is DashboardHub.
 */
@WebSocketGateway({
  path: '/ws',
  maxPayload: DEFAULT_GATEWAY_SETTINGS.maxPayloadBytes,
  handleProtocols: (protocols: Set<string>) => selectProtocol(protocols),
  // Ping frames are answered here, under the rate limit and the byte cap, not by ws on its own.
  autoPong: false,
})
export class DashboardGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DashboardGateway.name);
  /** Client address → open sockets (authenticated or not). */
  private readonly perAddress = new Map<string, number>();
  private revalidateTimer?: NodeJS.Timeout;

  constructor(
    private readonly auth: AuthService,
    private readonly hub: DashboardHub,
    private readonly clock: Clock,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  onModuleInit(): void {
    // A password changed on another instance reaches this one through the stored version, not an event.
    this.revalidateTimer = setInterval(() => this.revalidate(), this.settings.revalidateIntervalMs);
    this.revalidateTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.revalidateTimer) clearInterval(this.revalidateTimer);
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const address = request.socket.remoteAddress ?? 'unknown';
    const open = (this.perAddress.get(address) ?? 0) + 1;
    if (open > this.settings.maxConnectionsPerAddress) {
      this.hub.close(socket, 'too_many_connections', 'Too many connections from this address');
      return;
    }
    this.perAddress.set(address, open);
    socket.once('close', () => this.release(address));

    const budget = new MessageBudget(
      this.settings.maxMessagesPerSecond,
      this.settings.messageBurst,
      this.clock.nowMs(),
    );
    let cut = false;
    const overBudget = (): boolean => {
      if (cut) return true;
      if (budget.take(this.clock.nowMs())) return false;
      cut = true;
      this.hub.disconnect(socket);
      this.hub.close(socket, 'rate_limited', 'Too many messages');
      return true;
    };
    socket.on('ping', (data: Buffer) => {
      // A peer that does not read its pongs gets none: they would only pile up in our memory.
      if (!overBudget() && socket.bufferedAmount <= this.settings.maxBufferedBytes) socket.pong(data);
    });

    // Messages sent before the token is verified are held (a few, then the client is cut off) and replayed after.
    const early: Array<[RawData, boolean]> = [];
    const hold = (data: RawData, isBinary: boolean) => {
      if (overBudget()) return;
      if (early.length >= this.settings.maxMessagesBeforeAuth)
        socket.close(1008, 'Too many messages before authentication');
      else early.push([data, isBinary]);
    };
    socket.on('message', hold);
    let principal: AuthPrincipal;
    try {
      const token = tokenFromUpgrade(request.url, request.headers);
      if (!token) throw new AuthError('MISSING_TOKEN');
      principal = await this.auth.verifyToken(token);
    } catch (error) {
      socket.off('message', hold);
      const { code, reason } = closeFor(error);
      if (code === 1011 || code === 1013) this.logger.error({ err: error }, 'ws authentication failed');
      socket.close(code, reason);
      return;
    }
    socket.off('message', hold);
    if (socket.readyState !== WebSocket.OPEN) return; // gone (or cut off) while we verified
    if (this.hub.connectionsOf(principal.sub) >= this.settings.maxConnectionsPerPrincipal) {
      this.hub.close(socket, 'too_many_connections', 'Too many connections for this principal');
      return;
    }
    const client = this.hub.connect(socket, principal);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!overBudget()) this.hub.receive(client, data, isBinary);
    });
    for (const [data, isBinary] of early) this.hub.receive(client, data, isBinary);
  }

  handleDisconnect(socket: WebSocket): void {
    this.hub.disconnect(socket);
  }

  private release(address: string): void {
    const open = (this.perAddress.get(address) ?? 1) - 1;
    if (open > 0) this.perAddress.set(address, open);
    else this.perAddress.delete(address);
  }

  /** Closes (4401) the connections whose token a password change revoked, here or on another instance. */
  private revalidate(): void {
    for (const client of this.hub.connected()) {
      this.auth.principalOf(client.principal).catch((error: unknown) => {
        // Only a verdict on the token ends the connection; a database outage (1013) is not one.
        if (closeFor(error).code !== WS_CLOSE_UNAUTHENTICATED) return;
        this.hub.closeWhere((c) => c === client, 'token_revoked', 'Token revoked');
      });
    }
  }
}
