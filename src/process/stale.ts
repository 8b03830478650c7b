/**
 * Finds and ends processes left behind by an earlier run of the service that was killed
 * before it could stop its children (kill -9, power loss of a container, OOM killer).
 * Processes are matched by their exact argv, which names files only this service uses.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Pids whose argv equals `argv` exactly (other than this process). */
export async function processesWithArgv(argv: readonly string[]): Promise<number[]> {
  const wanted = `${argv.join('\0')}\0`;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const found: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) === wanted) found.push(Number(pid));
    }),
  );
  return found.sort((a, b) => a - b);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends `signal` unless the process is gone (also between the check and the signal). */
const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
};

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every pid is gone. */
export async function terminate(pids: number[], graceMs = 2000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) for (const pid of pids) signal(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
}
