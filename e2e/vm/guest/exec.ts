// Runs a command inside the VM guest and collects its output; never rejects.
import { spawn } from 'node:child_process';
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
