// DeviceWatcher on the host with stand-in udevadm scripts: real child processes and inotify.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeviceWatcher, type NodeEvent } from '../../../src/discovery/watcher.js';

const root = mkdtempSync(join(tmpdir(), 'watcher-'));
after(() => rmSync(root, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const p = join(root, name);
  writeFileSync(p, `#!/bin/bash\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('DeviceWatcher', () => {
  it('a udevadm that never listens (udevadm in a chroot without SYSTEMD_IGNORE_CHROOT) leaves inotify in charge, after a bounded number of tries', async () => {
    const dev = join(root, 'dev1');
    mkdirSync(dev);
    const udevadm = script('udevadm-chroot', 'echo "Running in chroot, ignoring request." >&2; exit 0');
    let gaveUp!: () => void;
    const gaveUpP = new Promise<void>((r) => (gaveUp = r));
    const w = new DeviceWatcher({
      useUdev: true,
      devRoot: dev,
      udevadm,
      restartDelayMs: 1,
      maxRestartDelayMs: 2,
      log: { info: () => undefined, warn: (_o, msg) => msg.includes('staying on inotify') && gaveUp() },
    });
    let exits = 0;
    w.on('monitor_exit', () => exits++);
    try {
      await w.start();
      assert.equal(w.active, 'inotify');
      await gaveUpP;
      assert.equal(exits, 5, 'five starts in a row that never listened, then no more');
      const seen = new Promise<NodeEvent>((r) => w.on('node', r));
      writeFileSync(join(dev, 'video9'), '');
      assert.deepEqual(await seen.then((e) => [e.action, e.name, e.source]), ['add', 'video9', 'inotify']);
    } finally {
      w.stop();
    }
  });

  it('udev events carry the node and its properties; other subsystems\' nodes and unknown actions are ignored', async () => {
    const dev = join(root, 'dev2');
    mkdirSync(dev);
    const udevadm = script(
      'udevadm-events',
      [
        'echo "monitor will print the received events for:"',
        'echo "UDEV - the event which udev sends out after rule processing"',
        'echo',
        'printf "UDEV  [1.0] bind     /devices/platform/vivid.0 (platform)\\nACTION=bind\\n\\n"',
        'printf "UDEV  [1.1] add      /devices/virtual/video4linux/v4l-subdev0 (video4linux)\\nACTION=add\\nDEVNAME=/dev/v4l-subdev0\\n\\n"',
        'printf "UDEV  [1.2] add      /devices/platform/vivid.0/video4linux/video0 (video4linux)\\nACTION=add\\nDEVNAME=/dev/video0\\nID_V4L_CAPABILITIES=:capture:\\n\\n"',
        'exec sleep 30',
      ].join('\n'),
    );
    const w = new DeviceWatcher({ useUdev: true, devRoot: dev, udevadm });
    try {
      const seen = new Promise<NodeEvent>((r) => w.on('node', r));
      await w.start();
      assert.equal(w.active, 'udev');
      assert.ok(w.monitorPid);
      const e = await seen;
      assert.deepEqual([e.action, e.name, e.source, e.properties?.ID_V4L_CAPABILITIES], ['add', 'video0', 'udev', ':capture:']);
    } finally {
      w.stop();
    }
  });
});
