/**
 * A minimal WebSocket client (RFC 6455) for the load generator: one net.Socket, no streams
 * or emitters per connection, frames written as prebuilt buffers, and the receive time of
 * every message taken as soon as its bytes arrive, before any parsing.
 *
 * Client frames must be masked; this client uses the all-zero masking key, which the RFC
 * allows, so a request frame is its payload with a 6-byte header and can be built once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

export interface Endpoint {
  host: string;
  port: number;
  path: string;
}

export function parseWsUrl(url: string): Endpoint {
  const u = new URL(url);
  if (u.protocol !== 'ws:') throw new Error(`only ws:// URLs are supported (got ${u.protocol})`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: `${u.pathname}${u.search}` || '/' };
}

/** A masked (zero key) client frame with the given opcode and payload. */
export function clientFrame(payload: Buffer | string, opcode = OP_TEXT): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out.writeUInt32BE(0, head);
  body.copy(out, head + 4);
  return out;
}

export type CloseKind = 'client' | 'server' | 'error';

export class RawWs {
  /** Called for every text message with the time (performance.now()) its first chunk arrived. */
  onText: (text: string, at: number) => void = () => undefined;
  /** Called once when the socket is gone: who closed it, and the close code the server sent. */
  onClose: (kind: CloseKind, code: number | undefined, error?: string) => void = () => undefined;
  closed = false;
  #closing = false;
  #serverCode: number | undefined;
  #error: string | undefined;
  #rest: Buffer | undefined;
  #fragments: Buffer[] | undefined;

  constructor(readonly socket: Socket, leftover: Buffer | undefined) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => (this.#error ??= err.message));
    socket.on('close', () => {
      this.closed = true;
      const kind: CloseKind = this.#closing ? 'client' : this.#serverCode !== undefined ? 'server' : 'error';
      this.onClose(kind, this.#serverCode, this.#error);
    });
    if (leftover && leftover.length) this.#onData(leftover);
  }

  send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** Starts the closing handshake; the socket is destroyed if the server does not finish it in time. */
  close(code = 1000): void {
    if (this.closed || this.#closing) return;
    this.#closing = true;
    const payload = Buffer.allocUnsafe(2);
    payload.writeUInt16BE(code, 0);
    this.socket.write(clientFrame(payload, OP_CLOSE));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const at = performance.now();
    const buf = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (buf.length - off < 2) break;
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let len = b1 & 0x7f;
      let p = off + 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        p = off + 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        p = off + 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const keyAt = p;
      if (masked) p += 4;
      if (buf.length < p + len) break;
      let payload = buf.subarray(p, p + len);
      if (masked) {
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[keyAt + (i & 3)]!;
      }
      off = p + len;
      this.#frame(b0 & 0x0f, (b0 & 0x80) !== 0, payload, at);
    }
    this.#rest = off < buf.length ? Buffer.from(buf.subarray(off)) : undefined;
  }

  #frame(op: number, fin: boolean, payload: Buffer, at: number): void {
    switch (op) {
      case OP_TEXT:
      case OP_BINARY:
        if (fin) this.onText(payload.toString('utf8'), at);
        else this.#fragments = [Buffer.from(payload)];
        return;
      case OP_CONT:
        if (!this.#fragments) return;
        this.#fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.#fragments);
          this.#fragments = undefined;
          this.onText(whole.toString('utf8'), at);
        }
        return;
      case OP_PING:
        this.send(clientFrame(payload, 0xa));
        return;
      case OP_CLOSE:
        this.#serverCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.#closing) {
          this.socket.write(clientFrame(payload.subarray(0, 2), OP_CLOSE));
          this.socket.end();
        }
        return;
      default:
        return;
    }
  }
}

export interface OpenOptions {
  localAddress?: string;
  timeoutMs: number;
}

/** Connects and completes the opening handshake; rejects with a message that says which step failed. */
export function openRawWs(ep: Endpoint, opts: OpenOptions): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ host: ep.host, port: ep.port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    let head = Buffer.alloc(0);
    let done = false;
    const fail = (step: string, msg: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reject(Object.assign(new Error(`${step}: ${msg}`), { step }));
    };
    const timer = setTimeout(() => fail('timeout', `no handshake within ${opts.timeoutMs} ms`), opts.timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => fail('connect', err.code ?? err.message));
    socket.once('close', () => fail('handshake', 'socket closed during the handshake'));
    socket.once('connect', () => {
      socket.write(
        `GET ${ep.path} HTTP/1.1\r\nHost: ${ep.host}:${ep.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) fail('handshake', 'response header too large');
        return;
      }
      const text = head.subarray(0, end).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      if (status !== '101') return fail('handshake', `HTTP ${status ?? '?'} instead of 101`);
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(text)?.[1];
      if (accept !== createHash('sha1').update(key + GUID).digest('base64')) return fail('handshake', 'bad Sec-WebSocket-Accept');
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      resolve(new RawWs(socket, head.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}
