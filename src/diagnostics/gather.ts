/**
 * Gathers what an admin needs to see why a camera is not streaming: recent transitions, the
 * publisher's last exits and stderr, the MediaMTX path, which processes hold the device open
 * (from /proc), USB bus and speed (from sysfs), and kernel messages about the device.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Processes that have `device` open, from /proc/<pid>/fd. */
export async function deviceHolders(device: string, excludePid = process.pid): Promise<{ pid: number; command: string }[]> {
  const out: { pid: number; command: string }[] = [];
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== excludePid);
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === device) {
          const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
          out.push({ pid: Number(pid), command: comm });
          return;
        }
      }
    }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}

export interface UsbInfo {
  bus: string;
  port_path: string;
  speed_mbps: number | null;
  manufacturer?: string;
  product?: string;
  version?: string;
}

/** USB facts of a video node's device, walking up sysfs to the USB device directory. */
export async function usbInfo(device: string): Promise<UsbInfo | null> {
  let dir = await readlink(`/sys/class/video4linux/${basename(device)}/device`)
    .then((l) => join(`/sys/class/video4linux/${basename(device)}`, l))
    .catch(() => '');
  for (let i = 0; dir && i < 6; i++, dir = dirname(dir)) {
    const speed = await readFile(join(dir, 'speed'), 'utf8').catch(() => undefined);
    if (speed === undefined) continue;
    const read = (f: string) => readFile(join(dir, f), 'utf8').then((s) => s.trim(), () => undefined);
    const [busnum, manufacturer, product, version] = await Promise.all([read('busnum'), read('manufacturer'), read('product'), read('version')]);
    return {
      bus: busnum ?? '?',
      port_path: basename(dir),
      speed_mbps: Number.isFinite(Number(speed)) ? Number(speed) : null,
      ...(manufacturer ? { manufacturer } : {}),
      ...(product ? { product } : {}),
      ...(version ? { version } : {}),
    };
  }
  return null;
}

/** Kernel log lines mentioning any of `needles` (the last `max`), or why they cannot be read. */
export function kernelMessages(needles: string[], max = 20): Promise<{ lines: string[] } | { unavailable: string }> {
  return new Promise((resolve) => {
    execFile('dmesg', ['--notime'], { timeout: 2000, maxBuffer: 4 << 20 }, (err, stdout) => {
      if (err) return resolve({ unavailable: `dmesg: ${err.message.split('\n')[0]}` });
      const lines = stdout.split('\n').filter((l) => needles.some((n) => n !== '' && l.includes(n)));
      resolve({ lines: lines.slice(-max) });
    });
  });
}
