/**
 * The WebSocket server's wire pieces that need no connection state: its close codes and the
 * close reasons it records, the fixed reply to a binary frame, pre-built server text frames
 * (notifications are framed once and written to every recipient) and the plain HTTP refusal
 * of an upgrade.
 */
import type { Duplex } from 'node:stream';

/** Close codes this server uses besides the standard ones (1001 shutdown, 1009 too big, 1007 bad UTF-8). */
export const CloseCode = {
  /** Not authenticated within the configured time. */
  AuthenticationTimeout: 4001,
  /** Slow consumer: the send buffer exceeded its limit ("try again later"). */
  TryAgainLater: 1013,
} as const;

/** The reply to a binary frame (only text frames carry JSON-RPC). */
/** Why the server closed a connection (the disconnects metric); absent: the client did. */
export type CloseReason = 'server_shutdown' | 'heartbeat_timeout' | 'slow_consumer' | 'auth_timeout' | 'oversize_message' | 'invalid_utf8' | 'protocol_error' | 'error';

/** Protocol errors ws reports (and closes the connection for), by ws error code. */
export const PROTOCOL_ERRORS: Record<string, CloseReason> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'oversize_message',
  WS_ERR_INVALID_UTF8: 'invalid_utf8',
};

/** Abnormal ends by close code (when no reason was recorded before). */
export const CLOSE_REASONS: Record<number, string> = { 1006: 'error' };

export const BINARY_REPLY =
  '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":{"reason":"binary frames are not accepted","hint":"send JSON-RPC requests as text frames"}},"id":null}';

/** One unmasked, final text frame (RFC 6455 §5.2) carrying `text`, as a server sends it. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65536) (frame[1] = 126), frame.writeUInt16BE(n, 2);
  else (frame[1] = 127), frame.writeBigUInt64BE(BigInt(n), 2);
  payload.copy(frame, head);
  return frame;
}

/** Refuses an upgrade with a plain HTTP response (`reason` as the body). */
export function refuse(socket: Duplex, status: number, text: string, reason: string, retryAfterS?: number): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${retryAfterS !== undefined ? `Retry-After: ${retryAfterS}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
