// Runs a command inside the VM guest and collects its output; never rejects.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (err) => resolve({ code: 127, stdout, stderr: stderr + String(err), ms: performance.now() - start }));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: performance.now() - start }));
  });
}

/** Processes that hold a /dev/video* node open, e.g. "1234 v4l2-ctl /dev/video0". */
export function videoNodeHolders(): string[] {
  const held: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!/^\/dev\/video\d+$/.test(target)) continue;
      let comm = '?';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        // exited meanwhile
      }
      held.push(`${pid} ${comm} ${target}`);
    }
  }
  return held;
}

/**
 * Unloads a kernel module the way a test unplugs a device. The kernel refuses while any file of
 * the module is open ("in use"), and the service legitimately opens nodes for a moment (a probe,
 * a rescan's re-check of a v4l2loopback node), so this waits for the module's use count to drop
 * (kmod's own --wait, which retries the removal atomically against the refcount) for at most
 * `waitMs`; a holder that keeps it open longer is a real leak, reported by name. Returns who held
 * a video node open just before the removal (for the report).
 */
export async function unloadModule(name: string, waitMs = 15_000): Promise<string[]> {
  if (!existsSync(`/sys/module/${name}`)) return [];
  const heldBefore = videoNodeHolders();
  const r = await run('modprobe', ['-r', `--wait=${waitMs}`, name], waitMs + 10_000);
  if (r.code !== 0) {
    const holders = videoNodeHolders();
    throw new Error(`modprobe -r ${name} exited ${r.code}: ${r.stderr.trim()}; video nodes held open by: ${holders.join(', ') || 'nobody now'}`);
  }
  return heldBefore;
}
