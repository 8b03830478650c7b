// DiscoveryService end to end on the host, against a fake V4L2 host (test/helpers/fake-v4l2.ts):
// real inotify, real child processes (a v4l2-ctl script printing recorded outputs, a udevadm
// script printing udev events), real id store on disk. The QEMU VM lane does the same against
// real kernel devices (e2e/vm/discovery.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CameraIdStore } from '../../../src/cameras/id-store.js';
import { CameraRegistry, type Camera } from '../../../src/cameras/registry.js';
import { defaultsOf } from '../../../src/lib/schema.js';
import { configSchema } from '../../../src/config/schema.js';
import { DiscoveryService, type DiscoveryConfig } from '../../../src/discovery/service.js';
import { FakeV4l2Host, LOOP_IDLE, LOOP_STREAMING, VIVID, type FakeNode } from '../../helpers/fake-v4l2.js';

const DEFAULTS = (defaultsOf(configSchema) as { discovery: DiscoveryConfig }).discovery;

interface Rig {
  host: FakeV4l2Host;
  registry: CameraRegistry;
  svc: DiscoveryService;
  metrics: Registry;
  stateFile: string;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function rig(config: Partial<DiscoveryConfig> = {}, reuse?: { host: FakeV4l2Host; stateFile: string }): Rig {
  const host = reuse?.host ?? new FakeV4l2Host();
  const stateDir = reuse ? undefined : mkdtempSync(join(tmpdir(), 'discovery-state-'));
  const stateFile = reuse?.stateFile ?? join(stateDir!, 'camera-ids.json');
  const registry = new CameraRegistry();
  const metrics = new Registry();
  const svc = new DiscoveryService({
    config: { ...DEFAULTS, use_udev: 'never', rescan_interval_s: 0, ...config },
    registry,
    ids: new CameraIdStore(stateFile),
    metrics,
    log: pino({ level: 'silent' }),
    paths: { sysClass: host.sysClass, dev: host.dev, v4l2ctl: host.v4l2ctl, udevadm: host.udevadm, udevControl: host.udevControl },
  });
  cleanups.push(() => svc.stop());
  if (!reuse) cleanups.push(() => (host.cleanup(), rmSync(stateDir!, { recursive: true, force: true })));
  return { host, registry, svc, metrics, stateFile };
}

/** Resolves with the first camera (now or after a change) that satisfies `pred`. */
function camera(registry: CameraRegistry, pred: (c: Camera) => boolean, what: string, timeoutMs = 10_000): Promise<Camera> {
  const now = registry.list().find(pred);
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      registry.off('change', on);
      reject(new Error(`timed out waiting for ${what}; cameras: ${JSON.stringify(registry.list().map((c) => [c.id, c.status, c.error]))}`));
    }, timeoutMs);
    const on = (c: Camera): void => {
      if (!pred(c)) return;
      clearTimeout(timer);
      registry.off('change', on);
      resolve(c);
    };
    registry.on('change', on);
  });
}

const is = (id: string, status: Camera['status']) => (c: Camera) => c.id === id && c.status === status;
const summary = (r: CameraRegistry) => r.list().map((c) => `${c.id} ${c.status} ${c.debug?.identity as string}`);

async function metricValue(metrics: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await metrics.getMetricsAsJSON()).find((x) => x.name === name);
  const values = (m?.values ?? []) as { value: number; labels: Record<string, string | number>; metricName?: string }[];
  return values
    .filter((v) => (v.metricName === undefined || v.metricName === name || v.metricName === `${name}_count`) && Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .filter((v) => String(m?.type) !== 'histogram' || v.metricName === `${name}_count`)
    .reduce((a, v) => a + v.value, 0);
}

describe('discovery on a fake V4L2 host (inotify)', () => {
  it('cold start: exactly the capture devices become cameras, ids in node order', async () => {
    const { host, registry, svc } = rig();
    for (const [name, n] of Object.entries(VIVID)) host.add(name, n);
    await svc.start();
    assert.equal(svc.enumerated, true);
    assert.deepEqual(summary(registry), ['camera0 CONNECTED bus:platform:vivid-000|card:vivid', 'camera1 CONNECTED bus:platform:vivid-001|card:vivid']);
    const cam0 = registry.get('camera0')!;
    assert.equal(cam0.kind, 'v4l2');
    assert.deepEqual(cam0.mode, { format: 'YUYV', width: 640, height: 480, fps: 25 });
    assert.equal(cam0.capabilities!.formats.length, 83);
    assert.equal(cam0.debug!.device, join(host.dev, 'video0'));
    assert.deepEqual((cam0.debug!.nodes as { devnode: string; kind: string }[]).map((n) => n.kind), ['video-capture', 'metadata-capture']);
  });

  it('hot add, remove, re-add under another node number: same id; latency is measured', async (t) => {
    const { host, registry, svc, metrics } = rig();
    host.add('video0', VIVID.video0);
    await svc.start();
    await camera(registry, is('camera0', 'CONNECTED'), 'camera0');
    const detected: string[] = [];
    svc.on('capability_detected', (c) => detected.push(c.id));

    host.add('video3', LOOP_STREAMING);
    const loop = await camera(registry, is('camera1', 'CONNECTED'), 'the loopback camera');
    assert.equal(loop.name, 'Loop Cam');
    assert.deepEqual(detected, ['camera1']);
    assert.equal(await metricValue(metrics, 'camera_service_discovery_detection_latency_seconds', { source: 'inotify', change: 'connected' }), 1);

    host.remove('video3', LOOP_STREAMING);
    await camera(registry, is('camera1', 'DISCONNECTED'), 'camera1 disconnected');
    assert.equal(await metricValue(metrics, 'camera_service_discovery_detection_latency_seconds', { change: 'disconnected' }), 1);

    host.add('video7', LOOP_STREAMING);
    const back = await camera(registry, is('camera1', 'CONNECTED'), 'camera1 back');
    const h = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'camera_service_discovery_detection_latency_seconds')!;
    const sums = (h.values as { value: number; labels: Record<string, string>; metricName?: string }[]).filter((v) => v.metricName?.endsWith('_sum'));
    t.diagnostic(`detection latency on this host (fake v4l2-ctl, a bash script): ${sums.map((v) => `${v.labels.change} ${(v.value * 1000).toFixed(1)} ms total`).join(', ')}`);
    assert.equal(back.debug!.device, join(host.dev, 'video7'));
    assert.equal(registry.list().length, 2);
  });

  it('restart: same ids, absent cameras listed DISCONNECTED, forget_ids releases an id', async () => {
    const first = rig();
    for (const [name, n] of Object.entries(VIVID)) first.host.add(name, n);
    first.host.add('video3', LOOP_STREAMING);
    await first.svc.start();
    assert.deepEqual(first.registry.list().map((c) => c.id), ['camera0', 'camera1', 'camera2']);
    first.svc.stop();

    // vivid-000 is gone and the others were renumbered
    first.host.remove('video0', VIVID.video0);
    first.host.remove('video1', VIVID.video1);
    first.host.remove('video2', VIVID.video2);
    first.host.remove('video3', LOOP_STREAMING);
    first.host.add('video0', LOOP_STREAMING);
    first.host.add('video1', { ...VIVID.video2 });
    const second = rig({}, { host: first.host, stateFile: first.stateFile });
    await second.svc.start();
    assert.deepEqual(summary(second.registry), [
      'camera0 DISCONNECTED bus:platform:vivid-000|card:vivid',
      'camera1 CONNECTED bus:platform:vivid-001|card:vivid',
      'camera2 CONNECTED bus:platform:v4l2loopback-000|card:Loop Cam',
    ]);
    assert.equal(second.registry.get('camera0')!.name, 'vivid');
    second.svc.stop();

    const third = rig({ forget_ids: ['camera0'] }, { host: first.host, stateFile: first.stateFile });
    await third.svc.start();
    assert.deepEqual(third.registry.list().map((c) => `${c.id} ${c.status}`), ['camera1 CONNECTED', 'camera2 CONNECTED']);
    first.host.add('video4', { fixture: 'uvc/logitech-c920', device: 'pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0', usb: { idVendor: '046d', idProduct: '082d', serial: 'B61DEDAF' } });
    const c920 = await camera(third.registry, (c) => c.status === 'CONNECTED' && c.name.includes('C920'), 'the C920');
    assert.equal(c920.id, 'camera0', 'the released id goes to the next new camera');
    assert.equal(c920.debug!.identity, 'usb:046d:082d:serial:B61DEDAF');
  });

  it('a probe that times out makes an ERROR camera; it recovers on the next rescan', async () => {
    const { host, registry, svc } = rig({ probe_timeout_ms: 300 });
    await svc.start();
    const errors: string[] = [];
    svc.on('capability_error', (c, reason) => errors.push(`${c.id}: ${reason}`));
    const usb: FakeNode = { fixture: 'uvc/logitech-c920', device: 'pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0', usb: { idVendor: '046d', idProduct: '082d', serial: 'B61DEDAF' }, delay: 5 };
    host.add('video0', usb);
    const cam = await camera(registry, is('camera0', 'ERROR'), 'camera0 in ERROR');
    assert.match(cam.error!, /did not finish within 300 ms/);
    assert.deepEqual(errors, [`camera0: ${cam.error}`]);
    assert.doesNotMatch(cam.error!, /\/dev\//, 'reasons carry no device paths');

    host.setProbe('video0', usb.fixture); // the device answers again
    await svc.rescanNow();
    assert.equal(registry.get('camera0')!.status, 'CONNECTED');
  });

  it('a node that vanishes while it is probed leaves no camera behind', async () => {
    const { host, registry, svc } = rig({ use_udev: 'always' }); // a new node waits for udev's event
    await svc.start();
    const outcome = new Promise((resolve) => svc.on('probed', (node, o) => node === 'video0' && resolve(o)));
    host.add('video0', { ...VIVID.video0, vanishDuringProbe: true }, { udev: true }); // and no remove event
    assert.equal(await outcome, 'gone');
    await svc.rescanNow();
    assert.deepEqual(registry.list(), []);
  });

  it('v4l2loopback: a camera once a writer feeds it, gone when the writer stops', async () => {
    const { host, registry, svc } = rig();
    host.add('video3', LOOP_IDLE);
    await svc.start();
    assert.deepEqual(registry.list(), [], 'an output-only loopback is no camera');
    host.setProbe('video3', LOOP_STREAMING.fixture);
    host.write('video3'); // the writer's first frame
    await camera(registry, is('camera0', 'CONNECTED'), 'the loopback camera');
    host.setProbe('video3', LOOP_IDLE.fixture); // the writer stopped: no more writes
    await camera(registry, is('camera0', 'DISCONNECTED'), 'the loopback camera gone quiet');
  });
});

describe('v4l2loopback writer stop from sysfs', () => {
  it('the format attribute empties when the writer closes: DISCONNECTED at once, the probe verifies after', async () => {
    const { host, registry, svc } = rig();
    host.add('video3', LOOP_IDLE);
    await svc.start();
    const format = join(host.sysClass, 'video3', 'format');
    writeFileSync(format, '');
    host.setProbe('video3', LOOP_STREAMING.fixture);
    writeFileSync(format, 'YUYV:320x240@10\n');
    host.write('video3'); // the writer's first frame
    await camera(registry, is('camera0', 'CONNECTED'), 'the loopback camera');
    // A steady writer: its pace is learnt; while the attribute says ready, silence alone changes nothing.
    // The pause is the writer's frame interval (the stimulus: 25 fps), not a wait for the service.
    for (let i = 0; i < 5; i++) {
      host.write('video3');
      await new Promise((r) => setTimeout(r, 40));
    }
    const probed: string[] = [];
    svc.on('probed', (node, outcome) => probed.push(`${node} ${outcome}`));
    host.setProbe('video3', LOOP_IDLE.fixture, 1); // the verification probe answers after 1 s
    writeFileSync(format, ''); // the writer closed
    await camera(registry, is('camera0', 'DISCONNECTED'), 'the loopback camera gone');
    assert.deepEqual(probed, [], 'applied before the probe ended');
    await new Promise<void>((resolve) => svc.once('probed', () => resolve()));
    assert.equal(registry.get('camera0')!.status, 'DISCONNECTED', 'the probe agreed');
  });
});

describe('discovery with a udev monitor (fake udevadm)', () => {
  it('events come from udev; killing the monitor falls back to inotify, then it is restarted', async () => {
    const { host, registry, svc, metrics } = rig({ use_udev: 'auto' });
    await svc.start();
    assert.equal(svc.eventSource, 'udev');
    const firstPid = svc.monitorPid;
    assert.ok(firstPid);

    host.add('video0', VIVID.video0, { devFile: true, udev: true });
    await camera(registry, is('camera0', 'CONNECTED'), 'camera0 via udev');
    assert.equal(await metricValue(metrics, 'camera_service_discovery_detection_latency_seconds', { source: 'udev' }), 1);

    const fellBack = new Promise((resolve) => svc.once('source', resolve));
    process.kill(firstPid, 'SIGKILL');
    assert.equal(await fellBack, 'inotify');
    const udevAgain = new Promise((resolve) => svc.on('source', (s) => s === 'udev' && resolve(s)));

    host.add('video2', VIVID.video2); // no udev event: only inotify can see it
    await camera(registry, is('camera1', 'CONNECTED'), 'camera1 while the monitor is down');

    await udevAgain;
    assert.notEqual(svc.monitorPid, firstPid);
    assert.equal(await metricValue(metrics, 'camera_service_discovery_udev_monitor_restarts_total'), 1);
    host.remove('video2', VIVID.video2, { udev: true });
    await camera(registry, is('camera1', 'DISCONNECTED'), 'camera1 removed via udev');
  });

  it('a rescan repairs a missed event and counts it', async () => {
    const { host, registry, svc, metrics } = rig({ use_udev: 'always' });
    await svc.start();
    host.add('video0', VIVID.video0); // the node appears, udev's event is lost
    await svc.rescanNow();
    assert.equal(registry.get('camera0')?.status, 'CONNECTED');
    assert.equal(await metricValue(metrics, 'camera_service_discovery_rescan_discrepancies_total', { kind: 'missed_add' }), 1);
    host.remove('video0', VIVID.video0);
    await svc.rescanNow();
    assert.equal(registry.get('camera0')?.status, 'DISCONNECTED');
    assert.equal(await metricValue(metrics, 'camera_service_discovery_rescan_discrepancies_total', { kind: 'missed_remove' }), 1);
  });
});

describe('known cameras re-plugged (probe cache)', () => {
  const C920: FakeNode = { fixture: 'uvc/logitech-c920', device: 'pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0', usb: { idVendor: '046d', idProduct: '082d', serial: 'B61DEDAF' } };

  it('announced CONNECTED from the cached probe before the background re-probe ends; a changed re-probe updates the capabilities', async () => {
    const { host, registry, svc } = rig();
    host.add('video0', VIVID.video0);
    await svc.start();
    const first = await camera(registry, is('camera0', 'CONNECTED'), 'camera0');
    host.remove('video0', VIVID.video0);
    await camera(registry, is('camera0', 'DISCONNECTED'), 'camera0 unplugged');

    const probed: string[] = [];
    svc.on('probed', (node, outcome) => probed.push(`${node} ${outcome}`));
    const detected: Camera[] = [];
    svc.on('capability_detected', (c) => detected.push(c));
    // Re-plugged; this time the device answers slowly and offers only its first format.
    // (the fake v4l2-ctl waits 1 s before it reads its outputs)
    host.add('video0', { ...VIVID.video0, delay: 1 });
    const formats = readFileSync(join(host.probes, 'video0', 'list-formats-ext.txt'), 'utf8');
    writeFileSync(join(host.probes, 'video0', 'list-formats-ext.txt'), `${formats.split(/\n(?=\s*\[1\])/)[0]!}\n`);
    const back = await camera(registry, is('camera0', 'CONNECTED'), 'camera0 re-plugged');
    assert.deepEqual(probed, [], 'announced before its probe ended');
    assert.deepEqual(back.capabilities, first.capabilities, 'with what it offered before');
    assert.equal(detected.length, 1);

    await new Promise<void>((resolve) => svc.on('probed', () => resolve()));
    const updated = await camera(registry, (c) => c.id === 'camera0' && c.capabilities?.formats.length === 1, 'the re-probed capabilities');
    assert.equal(updated.status, 'CONNECTED');
    assert.equal(detected.length, 2, 'the change is announced as capability_detected');
  });

  it('a device whose nodes come back together is announced in one pass: each camera changes once, with every node', async () => {
    const { host, registry, svc } = rig();
    for (const [name, n] of Object.entries(VIVID)) host.add(name, n);
    await svc.start();
    await camera(registry, is('camera1', 'CONNECTED'), 'camera1');
    for (const [name, n] of Object.entries(VIVID)) host.remove(name, n);
    await camera(registry, is('camera0', 'DISCONNECTED'), 'camera0 unplugged');
    await camera(registry, is('camera1', 'DISCONNECTED'), 'camera1 unplugged');

    // The three node files appear in one go (one inotify read), as when vivid is bound again.
    const changes: string[] = [];
    registry.on('change', (c) => changes.push(`${c.id} ${c.status} ${(c.debug?.['nodes'] as { devnode: string }[]).map((n) => n.devnode.replace(/^.*\//, '')).join(',')}`));
    for (const [name, n] of Object.entries(VIVID)) host.add(name, n);
    await camera(registry, is('camera1', 'CONNECTED'), 'camera1 re-plugged');
    // Per node, camera0 changed twice (its capture node, then its metadata node), and every
    // change rewrites its MediaMTX path; now each camera changes once.
    assert.deepEqual(changes, ['camera0 CONNECTED video0,video1', 'camera1 CONNECTED video2']);
  });

  /** A C920 probed once and unplugged: camera0 known, DISCONNECTED. */
  async function c920SeenThenUnplugged(): Promise<Rig> {
    const r = rig();
    r.host.add('video0', C920);
    await r.svc.start();
    await camera(r.registry, is('camera0', 'CONNECTED'), 'the C920');
    r.host.remove('video0', C920);
    await camera(r.registry, is('camera0', 'DISCONNECTED'), 'unplugged');
    return r;
  }

  it('a re-probe that fails is judged as a failed probe: ERROR for a camera known without its probe', async () => {
    const { host, registry, svc } = await c920SeenThenUnplugged();
    const seen: string[] = [];
    registry.on('change', (c) => seen.push(c.status));
    host.add('video0', { ...C920, delay: 1 });
    rmSync(join(host.probes, 'video0', 'info.txt')); // v4l2-ctl fails this time (it reads it after 1 s)
    const cam = await camera(registry, is('camera0', 'ERROR'), 'camera0 in ERROR');
    assert.match(cam.error!, /v4l2-ctl exited with 1/);
    assert.deepEqual(seen, ['CONNECTED', 'ERROR']);
  });

  it('a node that is not the same device (another USB unit on the port) waits for its own probe', async () => {
    const { host, registry, svc } = await c920SeenThenUnplugged();
    const probed: string[] = [];
    svc.on('probed', (node) => probed.push(node));
    host.add('video0', { ...C920, usb: { ...C920.usb!, serial: 'OTHERUNIT' } });
    const other = await camera(registry, (c) => c.status === 'CONNECTED' && c.id === 'camera1', 'the other unit');
    assert.deepEqual(probed, ['video0'], 'announced after its probe');
    assert.equal(other.debug!.identity, 'usb:046d:082d:serial:OTHERUNIT');
  });
});
