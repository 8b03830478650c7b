/** The console's prefix and options, shared by the routes (route.ts) and the file server (serve.ts). */
export const CONSOLE_PREFIX = '/console/';

export interface ConsoleOptions {
  /** The built console (dist/console). */
  dir: string;
  /** MediaMTX's WebRTC port (0: off); the page posts WHEP offers to it on the host it was loaded from. */
  webrtcPort: number;
  /** server.public_host: stream URLs name it, so it is allowed too. */
  publicHost: string;
  /** server.websocket_path: where the page opens its JSON-RPC connection (/console/config.json tells it). */
  websocketPath: string;
}
