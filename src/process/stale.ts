/**
 * Finds and ends processes left behind by an earlier run of the service that was killed
 * before it could stop its children (kill -9, power loss of a container, OOM killer).
 * Processes are matched by their exact argv, which names files only this service uses.
 */
import { open, readdir } from 'node:fs/promises';
import { mapLimit } from '../lib/map-limit.js';

/**
 * Pids whose argv equals `argv` exactly (other than this process). Each /proc/<pid>/cmdline is
 * read into a small buffer, a few at a time: readFile() sizes its buffer for a file of unknown
 * length (procfs says 0), and on a host with hundreds of processes those buffers added up to
 * ~7 MB that stayed in the heap after start (Node 24).
 */
export async function processesWithArgv(argv: readonly string[]): Promise<number[]> {
  const wanted = Buffer.from(`${argv.join('\0')}\0`);
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const matches = await mapLimit(pids, 8, async (pid) => {
    const file = await open(`/proc/${pid}/cmdline`, 'r').catch(() => null);
    if (!file) return false;
    try {
      // One byte more than wanted: a longer command line does not match.
      const buf = Buffer.allocUnsafe(wanted.length + 1);
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      return bytesRead === wanted.length && buf.subarray(0, bytesRead).equals(wanted);
    } catch {
      return false; // gone meanwhile
    } finally {
      await file.close().catch(() => undefined);
    }
  });
  return pids.filter((_, i) => matches[i]).map(Number).sort((a, b) => a - b);
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
