/**
 * The fan-out floor: the least a WebSocket server on this machine can do to deliver one
 * notification to every client (the fanout scenario runs the same clients and trigger against
 * it and reports the service as a ratio of it). A process of its own, forked by the bench,
 * on `ws` (the library the service uses, no compression): it answers `authenticate`,
 * `subscribe_events` and `ping` with fixed results; any other request is a trigger, which
 * reads the monotonic clock (the reply's `event_monotonic_ms`, like the service's test-camera
 * methods), writes one notification frame of the size of the service's camera_status_update
 * to every client, then replies. No validation, no registry, no filtering: a floor.
 * Prints nothing; sends `{ port }` over IPC once listening, exits when the IPC channel closes.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { monotonicNow } from './lib/clock.js';

const notification = (method: string) =>
  Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      method,
      params: {
        device: 'camera0',
        status: 'CONNECTED',
        name: 'bench0',
        resolution: '1280x720',
        fps: 30,
        streams: { rtsp: 'rtsp://127.0.0.1:8554/camera0', hls: 'http://127.0.0.1:8888/camera0', webrtc: 'http://127.0.0.1:8889/camera0' },
        timestamp: new Date().toISOString(),
      },
    }),
  );

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let req: { id?: unknown; method?: string };
    try {
      req = JSON.parse(String(data)) as typeof req;
    } catch {
      return;
    }
    const reply = (result: unknown) => ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id ?? null, result }));
    switch (req.method) {
      case 'authenticate':
        return reply({ authenticated: true, role: 'viewer' });
      case 'subscribe_events':
        return reply({ subscribed: true });
      case 'ping':
        return reply('pong');
      default: {
        const event = monotonicNow();
        const frame = notification(process.env.FLOOR_NOTIFICATION ?? 'camera_status_update');
        for (const c of wss.clients) c.send(frame, { binary: false });
        return reply({ event_monotonic_ms: event });
      }
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('disconnect', () => process.exit(0));
