/** pino JSON logs on stdout (journald captures them under systemd). */
import { pino, type Logger } from '../lib/deps/pino.js';

export type { Logger };

export function createLogger(level: string): Logger {
  // Synchronous writes: nothing is lost on exit, and the volume is small.
  return pino({ level, base: { service: 'camera-service' } }, pino.destination({ dest: 1, sync: true }));
}
