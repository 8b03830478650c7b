// Node side of the QEMU VM lane: runs a bash script inside a VM that has a real kernel V4L2
// stack (vivid, v4l2loopback), chrooted into this machine's root file system, as root.
// The heavy lifting is in run-vm.sh / build-initramfs.sh / guest-wrapper.sh next to this file;
// see hardware/README.md for the design.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessPresent } from '../../test/helpers/required.js';

export interface VmRunOptions {
  /** Hard limit for the whole VM (boot + script + power-off); qemu is killed after it. */
  timeoutMs: number;
  /** Limit for the guest script alone (default: timeoutMs - 15 s). */
  guestTimeoutMs?: number;
  /** Variables exported in the guest (on top of OUT, HOME, PATH, SYSTEMD_IGNORE_CHROOT=1). */
  env?: Record<string, string>;
  /** Host directory for results; created if missing. Default: a new temp dir. */
  outDir?: string;
  /** Directory the script runs in (default: the project dir). */
  cwd?: string;
}

export interface VmTimings {
  /** qemu start -> guest wrapper running in the chroot (host clock). */
  bootToShellMs?: number;
  /** qemu start -> udevd started, script about to run (host clock). */
  bootToReadyMs?: number;
  /** Guest script run time (host clock). */
  scriptMs?: number;
  /** Whole run-vm.sh invocation, including initramfs check and waiting for the VM lock. */
  totalMs: number;
  /** Guest uptime (s since kernel start) when the wrapper started / the script ended. */
  guestUptimeAtShell?: number;
  guestUptimeAtFinish?: number;
  /** Boots that showed no sign of life within VM_BOOT_TIMEOUT and were started again (run-vm.sh). */
  bootHangs?: number;
}

export interface VmRunResult {
  /** The script's exit status; 124 = timeout, 125 = the VM failed before the script reported. */
  exitCode: number;
  outDir: string;
  /** Parsed $OUT/report.json, when the script wrote one. */
  report?: unknown;
  reportError?: string;
  /** The script's stdout + stderr. */
  log: string;
  /** Serial console (kernel and init messages). */
  console: string;
  /** run-vm.sh's own stderr (diagnostics when the VM failed). */
  stderr: string;
  timings: VmTimings;
}

/** The project dir: the nearest ancestor of this file holding e2e/vm/run-vm.sh. */
export function projectDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'e2e', 'vm', 'run-vm.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project dir (e2e/vm/run-vm.sh) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Why the VM lane cannot run on this machine, or undefined when it can. */
export function vmUnavailableReason(): string | undefined {
  const path = (process.env['PATH'] ?? '').split(':');
  const onPath = (cmd: string): boolean => path.some((d) => d !== '' && existsSync(join(d, cmd)));
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the VM lane needs Linux on x86-64';
  if (process.getuid?.() !== 0) return 'the VM lane needs root (it shares / read-only into the VM)';
  if (!onPath('qemu-system-x86_64')) return 'qemu-system-x86_64 not installed (Debian package qemu-system-x86)';
  if (!existsSync('/bin/busybox') && !existsSync('/usr/bin/busybox')) return 'busybox not installed (Debian package busybox-static)';
  let kernels: string[] = [];
  try {
    kernels = readdirSync('/lib/modules').filter(
      (k) => existsSync(join('/boot', `vmlinuz-${k}`)) && existsSync(join('/lib/modules', k, 'modules.dep')),
    );
  } catch {
    kernels = [];
  }
  if (kernels.length === 0) return 'no /boot/vmlinuz-* with /lib/modules/* (Debian package linux-image-amd64)';
  return undefined;
}

/**
 * Bash source that runs a compiled guest scenario (a .js file under dist/, path relative to
 * the project dir) with node inside the VM. SCENARIO_LAUNCHED_AT_MS (wall clock) lets the
 * scenario measure node's own start-up, which is slow over 9p under TCG (1.5-2 s cold).
 */
export function nodeScenarioScript(jsPath: string, args: string[] = []): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -e',
    'export SCENARIO_LAUNCHED_AT_MS=$(( ${EPOCHREALTIME/./} / 1000 ))',
    `exec node ${[jsPath, ...args].map(q).join(' ')}`,
    '',
  ].join('\n');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function num(text: string): number | undefined {
  const n = Number.parseFloat(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Boots the VM, runs `script` (bash source) inside it and collects the results. Only one VM
 * runs at a time on a machine: a second caller waits in run-vm.sh for the lock.
 */
export async function runInVm(script: string, opts: VmRunOptions): Promise<VmRunResult> {
  const root = projectDir();
  const outDir = resolve(opts.outDir ?? mkdtempSync(join(tmpdir(), 'camera-service-vm-')));
  const scriptPath = join(outDir, 'input.sh');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(scriptPath, script);

  const timeoutS = Math.max(10, Math.ceil(opts.timeoutMs / 1000));
  const guestS = Math.max(5, Math.ceil((opts.guestTimeoutMs ?? opts.timeoutMs - 15_000) / 1000));
  const passEnv = Object.keys(opts.env ?? {});
  for (const name of passEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad environment variable name: ${name}`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    VM_TIMEOUT: String(timeoutS),
    VM_GUEST_TIMEOUT: String(Math.min(guestS, timeoutS)),
    VM_PASS_ENV: passEnv.join(' '),
  };

  const started = Date.now();
  const child = spawn(join(root, 'e2e', 'vm', 'run-vm.sh'), [scriptPath, outDir], {
    cwd: opts.cwd ?? root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exitCode = await new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)));
  });
  const totalMs = Date.now() - started;

  const vmd = join(outDir, '.vm');
  const qemuStartNs = readText(join(vmd, 'qemu-start')).trim();
  const qemuStart = qemuStartNs ? Number(BigInt(qemuStartNs) / 1000n) / 1000 : undefined;
  const shellAt = mtimeMs(join(vmd, 'started'));
  const readyAt = mtimeMs(join(vmd, 'ready'));
  const finishedAt = mtimeMs(join(vmd, 'finished'));
  const timings: VmTimings = { totalMs };
  if (qemuStart !== undefined && shellAt !== undefined) timings.bootToShellMs = Math.round(shellAt - qemuStart);
  if (qemuStart !== undefined && readyAt !== undefined) timings.bootToReadyMs = Math.round(readyAt - qemuStart);
  if (readyAt !== undefined && finishedAt !== undefined) timings.scriptMs = Math.round(finishedAt - readyAt);
  const bootHangs = stderr.split('\n').filter((l) => l.startsWith('run-vm: boot hung: no sign')).length;
  if (bootHangs > 0) {
    timings.bootHangs = bootHangs;
    // Visible in the test output even when the test passes: the evidence of a hung emulated boot.
    console.warn(`runInVm: ${bootHangs} boot(s) showed no sign of life (run-vm stops such a boot and starts it once more):\n${stderr.split('\n').filter((l) => l.startsWith('run-vm: ')).join('\n')}`);
  }
  const upShell = num(readText(join(vmd, 'started')));
  const upFinish = num(readText(join(vmd, 'finished')));
  if (upShell !== undefined) timings.guestUptimeAtShell = upShell;
  if (upFinish !== undefined) timings.guestUptimeAtFinish = upFinish;

  const result: VmRunResult = {
    exitCode,
    outDir,
    log: readText(join(outDir, 'output.log')),
    console: readText(join(outDir, 'console.log')),
    stderr,
    timings,
  };
  const reportPath = join(outDir, 'report.json');
  if (existsSync(reportPath)) {
    try {
      result.report = JSON.parse(readFileSync(reportPath, 'utf8')) as unknown;
    } catch (err) {
      result.reportError = `report.json is not valid JSON: ${(err as Error).message}`;
    }
  }
  return result;
}

/**
 * For scenarios that run the service inside the VM: the MediaMTX binary to use, and the reason
 * to skip (no VM, or no MediaMTX build), or false.
 */
export function serviceLane(): { skip: string | false; mediamtx: string } {
  const unavailable = skipUnlessPresent(vmUnavailableReason());
  if (unavailable) return { skip: unavailable, mediamtx: '' };
  try {
    const mediamtx = execFileSync(join(projectDir(), 'scripts', 'provision-mediamtx.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    // The guest mounts fresh tmpfs on /tmp and /run: a binary cached there is not visible in it.
    if (/^\/(tmp|run)\//.test(mediamtx)) return { skip: skipUnlessPresent(`the MediaMTX binary ${mediamtx} is under /tmp or /run, which the VM guest does not see (set CAMERA_SERVICE_CACHE or HOME elsewhere)`), mediamtx: '' };
    return { skip: false, mediamtx };
  } catch {
    return { skip: skipUnlessPresent('no MediaMTX binary (run scripts/provision-mediamtx.sh)'), mediamtx: '' };
  }
}

