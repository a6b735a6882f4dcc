import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { AuthError } from '../auth/auth.error';
import { AuthService } from '../auth/auth.service';
import { DashboardHub } from './dashboard-hub.service';
import { DEFAULT_GATEWAY_SETTINGS, GATEWAY_SETTINGS, GatewaySettings } from './gateway.settings';
import { closeFor } from './ws-errors';
import { selectProtocol, tokenFromUpgrade } from './ws-protocol';

/**
 * WS /ws (plain ws protocol via @nestjs/platform-ws on the HTTP server's port). Only the handshake lives here:
 * the JWT is verified once at connect (?token=, Authorization: Bearer, or Sec-WebSocket-Protocol: bearer, <t>);
 * without a valid one the socket is closed with 4401 before any channel data. Everything else is DashboardHub.
 */
@WebSocketGateway({
  path: '/ws',
  maxPayload: DEFAULT_GATEWAY_SETTINGS.maxPayloadBytes,
  handleProtocols: (protocols: Set<string>) => selectProtocol(protocols),
})
export class DashboardGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(DashboardGateway.name);

  constructor(
    private readonly auth: AuthService,
    private readonly hub: DashboardHub,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    // Messages sent before the token is verified are held (a few, then the client is cut off) and replayed after.
    const early: Array<[RawData, boolean]> = [];
    const hold = (data: RawData, isBinary: boolean) => {
      if (early.length >= this.settings.maxMessagesBeforeAuth)
        socket.close(1008, 'Too many messages before authentication');
      else early.push([data, isBinary]);
    };
    socket.on('message', hold);
    let subject: string;
    try {
      const token = tokenFromUpgrade(request.url, request.headers);
      if (!token) throw new AuthError('MISSING_TOKEN');
      subject = (await this.auth.verifyToken(token)).sub;
    } catch (error) {
      socket.off('message', hold);
      const { code, reason } = closeFor(error);
      if (code === 1011 || code === 1013) this.logger.error({ err: error }, 'ws authentication failed');
      socket.close(code, reason);
      return;
    }
    socket.off('message', hold);
    if (socket.readyState !== WebSocket.OPEN) return; // gone while we verified
    const client = this.hub.connect(socket, subject);
    socket.on('message', (data: RawData, isBinary: boolean) => this.hub.receive(client, data, isBinary));
    for (const [data, isBinary] of early) this.hub.receive(client, data, isBinary);
  }

  handleDisconnect(socket: WebSocket): void {
    this.hub.disconnect(socket);
  }
}
