/** Starts the fan-out floor server (bench/floor-server.ts) in a process of its own. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../floor-server.js', import.meta.url));

export interface Floor {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startFloor(notification: string): Promise<Floor> {
  const proc = fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json', env: { ...process.env, FLOOR_NOTIFICATION: notification } });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve(m.port));
    proc.once('exit', (code) => reject(new Error(`floor server exited with ${code} before listening`)));
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.disconnect();
      }),
  };
}
