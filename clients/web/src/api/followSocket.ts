/**
 * The /ws/follow WebSocket: the viewer sends its clock (epoch, rate, ids, model) whenever it
 * changes; the server streams the followed comets' positions about ten times a second.
 * Reconnects with back-off when the socket drops; the latest clock is re-sent on open.
 */
import type { Model } from "../state/urlState";
import type { FollowFrame } from "./types";

export interface FollowClock {
  epoch_jd: number;
  rate: number;
  ids: string[];
  model: Model;
}

export interface FollowHandlers {
  frame(frame: FollowFrame): void;
  error(message: string): void;
  /** Called with true when connected, false when the socket dropped. */
  connection(open: boolean): void;
}

export class FollowSocket {
  private socket: WebSocket | null = null;
  private clock: FollowClock | null = null;
  private retryMs = 500;
  private retryTimer: number | undefined;
  private closed = false;

  constructor(private readonly url: string, private readonly handlers: FollowHandlers) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.handlers.connection(true);
      if (this.clock) socket.send(JSON.stringify(this.clock));
    };
    socket.onmessage = (event) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (msg && typeof msg === "object" && "error" in msg) this.handlers.error(String((msg as { error: unknown }).error));
      else if (msg && typeof msg === "object" && "positions" in msg) this.handlers.frame(msg as FollowFrame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handlers.connection(false);
      if (!this.closed) {
        this.retryTimer = window.setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 8000);
      }
    };
  }

  /** Replace the server's clock for this socket (sent now if open, else on reconnect). */
  send(clock: FollowClock): void {
    this.clock = clock;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(clock));
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
  }
}
