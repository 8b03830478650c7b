/**
 * A stand-in for a V4L2 host on a machine without V4L2 (for discovery tests on the host):
 * a sysfs-like tree, a /dev-like directory, a `v4l2-ctl` script that prints the recorded
 * outputs of hardware/fixtures/ for each node, and a `udevadm` script whose `monitor` prints
 * the events the test appends to a log file, in udevadm's format.
 */
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../hardware/fixtures/', import.meta.url));

export interface FakeNode {
  /** Fixture dir under hardware/fixtures/ with info.txt, list-formats-ext.txt (and list-ctrls.txt). */
  fixture: string;
  /** Parent device below the fake /sys/devices ("platform/vivid.0"); absent: a virtual device. */
  device?: string;
  /** USB attributes written to the parent of `device` (the USB device directory). */
  usb?: { idVendor: string; idProduct: string; serial?: string };
  index?: number;
  /** Seconds the fake v4l2-ctl sleeps before answering for this node. */
  delay?: number;
  /** The node vanishes (its /dev file and sysfs entry are deleted) while v4l2-ctl probes it. */
  vanishDuringProbe?: boolean;
}

export class FakeV4l2Host {
  readonly root = mkdtempSync(join(tmpdir(), 'fake-v4l2-'));
  readonly sysClass = join(this.root, 'sys/class/video4linux');
  readonly dev = join(this.root, 'dev');
  readonly probes = join(this.root, 'probes');
  readonly udevLog = join(this.root, 'udev-events.log');
  readonly v4l2ctl = join(this.root, 'bin/v4l2-ctl');
  readonly udevadm = join(this.root, 'bin/udevadm');
  readonly udevControl = join(this.root, 'run-udev-control');
  #seq = 1000;

  constructor() {
    for (const d of [this.sysClass, this.dev, this.probes, join(this.root, 'bin')]) mkdirSync(d, { recursive: true });
    writeFileSync(this.udevLog, '');
    writeFileSync(this.udevControl, '');
    writeFileSync(
      this.v4l2ctl,
      `#!/bin/bash
dev=""; ctrls=0
while [ $# -gt 0 ]; do case "$1" in -d) dev="$2"; shift 2;; --list-ctrls) ctrls=1; shift;; *) shift;; esac; done
d="${this.probes}/$(basename "$dev")"
[ -e "$dev" ] || { echo "Cannot open device $dev, exiting." >&2; exit 1; }
[ -f "$d/delay" ] && sleep "$(cat "$d/delay")"
if [ -f "$d/vanish" ]; then rm -f "$dev" "${this.sysClass}/$(basename "$dev")"; echo "Cannot open device $dev, exiting." >&2; exit 1; fi
[ -e "$dev" ] || { echo "Cannot open device $dev, exiting." >&2; exit 1; }
if [ $ctrls = 1 ]; then cat "$d/list-ctrls.txt" 2>/dev/null; exit 0; fi
cat "$d/info.txt" "$d/list-formats-ext.txt"
`,
    );
    // monitor: banner, then every event appended to the log after this point (no race: the
    // start offset is taken before the banner is printed).
    writeFileSync(
      this.udevadm,
      `#!/bin/bash
[ "$1" = monitor ] || exit 2
start=$(stat -c %s "${this.udevLog}")
echo "monitor will print the received events for:"
echo "UDEV - the event which udev sends out after rule processing"
echo
exec tail -c +$((start + 1)) -F "${this.udevLog}" 2>/dev/null
`,
    );
    chmodSync(this.v4l2ctl, 0o755);
    chmodSync(this.udevadm, 0o755);
  }

  #devicePath(name: string, n: FakeNode): string {
    return n.device ? join(this.root, 'sys/devices', n.device, 'video4linux', name) : join(this.root, 'sys/devices/virtual/video4linux', name);
  }

  /** Sets what the fake v4l2-ctl prints for a node (switch fixtures to change its capabilities). */
  setProbe(name: string, fixture: string, delay?: number): void {
    const d = join(this.probes, name);
    mkdirSync(d, { recursive: true });
    for (const f of ['info.txt', 'list-formats-ext.txt', 'list-ctrls.txt']) {
      const src = join(FIXTURES, fixture, f);
      if (existsSync(src)) copyFileSync(src, join(d, f));
      else rmSync(join(d, f), { force: true });
    }
    if (delay !== undefined) writeFileSync(join(d, 'delay'), String(delay));
    else rmSync(join(d, 'delay'), { force: true });
  }

  /** Creates the sysfs entry and the probe outputs, but not the /dev node. */
  prepare(name: string, n: FakeNode): void {
    this.setProbe(name, n.fixture, n.delay);
    if (n.vanishDuringProbe) writeFileSync(join(this.probes, name, 'vanish'), '');
    const dir = this.#devicePath(name, n);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'name'), `${name}\n`);
    writeFileSync(join(dir, 'index'), `${n.index ?? 0}\n`);
    writeFileSync(join(dir, 'dev'), `81:${name.slice(5)}\n`);
    if (n.device) {
      const parent = join(this.root, 'sys/devices', n.device);
      symlinkSync(parent, join(dir, 'device'));
      if (n.usb) {
        const usbDir = join(parent, '..');
        writeFileSync(join(usbDir, 'idVendor'), `${n.usb.idVendor}\n`);
        writeFileSync(join(usbDir, 'idProduct'), `${n.usb.idProduct}\n`);
        if (n.usb.serial) writeFileSync(join(usbDir, 'serial'), `${n.usb.serial}\n`);
      }
    }
    rmSync(join(this.sysClass, name), { force: true });
    symlinkSync(dir, join(this.sysClass, name));
  }

  /** Makes the node appear: sysfs, probe outputs, the /dev file (inotify sees it), and with `udev` a udev add event. */
  add(name: string, n: FakeNode, opts: { udev?: boolean; devFile?: boolean } = {}): void {
    this.prepare(name, n);
    if (opts.devFile !== false) writeFileSync(join(this.dev, name), '');
    if (opts.udev) this.udevEvent('add', name, n);
  }

  /** Makes the node vanish (the /dev file, sysfs); with `udev` also a udev remove event. */
  remove(name: string, n: FakeNode, opts: { udev?: boolean } = {}): void {
    rmSync(join(this.dev, name), { force: true });
    rmSync(join(this.sysClass, name), { force: true });
    rmSync(this.#devicePath(name, n), { recursive: true, force: true });
    if (opts.udev) this.udevEvent('remove', name, n);
  }

  /** A write to the node file, as a v4l2loopback writer does. */
  write(name: string): void {
    appendFileSync(join(this.dev, name), 'x');
  }

  devExists(name: string): boolean {
    return existsSync(join(this.dev, name)) && statSync(join(this.dev, name)).isFile();
  }

  udevEvent(action: 'add' | 'remove' | 'change', name: string, n: FakeNode): void {
    const devpath = (n.device ? `/devices/${n.device}/video4linux/${name}` : `/devices/virtual/video4linux/${name}`);
    const lines = [
      `UDEV  [${(this.#seq / 100).toFixed(6)}] ${action.padEnd(8)} ${devpath} (video4linux)`,
      `ACTION=${action}`,
      `DEVPATH=${devpath}`,
      'SUBSYSTEM=video4linux',
      `DEVNAME=/dev/${name}`,
      `SEQNUM=${this.#seq++}`,
      'ID_V4L_CAPABILITIES=:capture:',
      '',
      '',
    ];
    appendFileSync(this.udevLog, lines.join('\n'));
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** vivid as modprobe vivid n_devs=2 node_types=0x20001,0x1 creates it. */
export const VIVID = {
  video0: { fixture: 'vivid/vivid-000-video-capture', device: 'platform/vivid.0', index: 0 },
  video1: { fixture: 'vivid/vivid-000-metadata-capture', device: 'platform/vivid.0', index: 1 },
  video2: { fixture: 'vivid/vivid-001-video-capture', device: 'platform/vivid.0', index: 0 },
} satisfies Record<string, FakeNode>;

export const LOOP_STREAMING: FakeNode = { fixture: 'v4l2loopback/loop-cam-streaming' };
export const LOOP_IDLE: FakeNode = { fixture: 'v4l2loopback/loop-cam-idle' };
