/**
 * The memory floor of the runtime: the same Node binary with the same flags as the service,
 * running nothing but a timer. Measured beside the service in the same run, so the memory
 * scenario can report what the service adds to what any Node process of that version costs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RuntimeFloor {
  pid: number;
  stop(): Promise<void>;
}

export async function startRuntimeFloor(node: string, flags: readonly string[]): Promise<RuntimeFloor> {
  // Prints once its script runs, so the caller measures a started runtime, not a forking one.
  const proc = spawn(node, [...flags, '-e', 'setInterval(() => {}, 1 << 30); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = (await Promise.race([once(proc.stdout!, 'data'), once(proc, 'exit').then(([code]) => Promise.reject(new Error(`the runtime floor (${node}) exited with ${code}`)))])) as [Buffer];
  if (!first.toString().startsWith('up')) throw new Error(`the runtime floor printed ${JSON.stringify(first.toString())}`);
  return {
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
