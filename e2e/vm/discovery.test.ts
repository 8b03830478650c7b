// VM lane, camera discovery: boots the QEMU VM once and runs the real service (managed MediaMTX,
// udevd) against real kernel V4L2 devices, driven by e2e/vm/guest/discovery-scenario.ts. This
// file judges the guest's report. Detection latencies are reported (t.diagnostic), not asserted:
// TCG runs several times slower than hardware. Run with `npm run test:vm`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodeScenarioScript, runInVm, serviceLane } from './harness.js';
import type { DiscoveryReport, Floor, Seen, Step } from './guest/discovery-scenario.js';

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length === 0 ? Number.NaN : v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

/** Per step: medians of floor, service (client receipt) and service − floor over its repeats. */
function floorTable(floors: Floor[]): { step: string; n: number; floor: number; service: number; overFloor: number; probe: number | undefined }[] {
  const steps = [...new Set(floors.map((f) => f.step))];
  return steps.map((step) => {
    const xs = floors.filter((f) => f.step === step);
    const r = (x: number) => Math.round(x);
    const probes = xs.flatMap((f) => (f.probeMs !== undefined ? [f.probeMs] : []));
    return { step, n: xs.length, floor: r(median(xs.map((f) => f.floorMs))), service: r(median(xs.map((f) => f.serviceMs))), overFloor: r(median(xs.map((f) => f.serviceMs - f.floorMs))), probe: probes.length ? r(median(probes)) : undefined };
  });
}

const { skip, mediamtx } = serviceLane();

test('VM discovery: real vivid and v4l2loopback devices through the real service', { skip, timeout: 420_000 }, async (t) => {
  const res = await runInVm(nodeScenarioScript('dist/e2e/vm/guest/discovery-scenario.js'), {
    timeoutMs: 300_000,
    env: { MEDIAMTX_BIN: mediamtx },
  });
  const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-4000)}\n--- run-vm stderr\n${res.stderr.slice(-2000)}`;
  assert.equal(res.exitCode, 0, `guest script failed ${where}`);
  assert.ok(res.report, `no report.json ${res.reportError ?? ''} ${where}`);
  const r = res.report as DiscoveryReport;
  const stepOk = (name: string): Step => {
    const s = r.steps[name];
    assert.ok(s, `step ${name} did not run; errors: ${r.errors.join('\n')} ${where}`);
    assert.ok(s.ok, `step ${name}: ${s.error} ${where}`);
    return s;
  };
  const pairs = (seen: Seen[] | undefined) => (seen ?? []).map((x) => `${x.device} ${x.status}`).sort();

  t.diagnostic(`detection latency (ms; service = event seen -> notification written, client = command start -> notification received): ${JSON.stringify(r.latencies)}`);
  const table = floorTable(r.floors ?? []);
  t.diagnostic(
    ['detection against the kernel\'s own signal (ms, medians; floor = trigger -> inotify on /dev / writer\'s first frame or exit; service = trigger -> notification at a client):',
      `${'step'.padEnd(30)} ${'n'.padStart(2)} ${'floor'.padStart(7)} ${'service'.padStart(8)} ${'service-floor'.padStart(14)} ${'probe'.padStart(7)}`,
      ...table.map((x) => `${x.step.padEnd(30)} ${String(x.n).padStart(2)} ${String(x.floor).padStart(7)} ${String(x.service).padStart(8)} ${String(x.overFloor).padStart(14)} ${String(x.probe ?? '-').padStart(7)}`),
      '(probe: the probe that decided a first-ever plug, or the background re-probe of a known camera, which the announce did not wait for)',
    ].join('\n'),
  );
  t.diagnostic(`floors ${JSON.stringify(r.floors)}`);
  t.diagnostic(`vm timings ${JSON.stringify({ ...res.timings, scenarioMs: r.totalMs, steps: Object.fromEntries(Object.entries(r.steps).map(([k, v]) => [k, v.ms])) })}`);
  t.diagnostic(`video nodes held open when a module was unloaded: ${r.holders.join('; ') || 'none'}`);
  t.diagnostic(`discovery metrics ${JSON.stringify(r.metrics.filter((l) => !/_bucket\{/.test(l)))}`);

  await t.test('cold start: exactly the capture devices, with their real capabilities', () => {
    const d = stepOk('cold_start').data as any;
    const capture = r.truth.filter((n) => n.capture);
    assert.equal(r.truth.length, 3, JSON.stringify(r.truth.map((n) => n.node)));
    assert.deepEqual(capture.map((n) => n.bus), ['platform:vivid-000', 'platform:vivid-001'], 'vivid: two capture nodes and a metadata node');
    assert.deepEqual(d.list.cameras.map((c: any) => [c.device, c.status, c.name]), [['camera0', 'CONNECTED', 'vivid'], ['camera1', 'CONNECTED', 'vivid']]);
    assert.deepEqual([d.list.total, d.list.connected], [2, 2]);
    capture.forEach((node, i) => {
      const caps = d.caps[`camera${i}`];
      assert.deepEqual(caps.formats, node.fourccs, `formats of camera${i}`);
      assert.deepEqual([...caps.resolutions].sort(), [...node.sizes].sort(), `resolutions of camera${i}`);
      assert.deepEqual([...caps.fps_options].sort((a: number, b: number) => a - b), [...node.fps].sort((a, b) => a - b), `fps of camera${i}`);
      assert.deepEqual(caps.frame_rates, caps.fps_options);
      assert.equal(caps.validation_status, 'CONFIRMED');
    });
    const st = d.status.camera0;
    assert.deepEqual([st.resolution, st.fps, st.metrics.bytes_sent, st.metrics.readers], ['640x480', 25, 0, 0]);
    assert.doesNotMatch(JSON.stringify([d.list, d.caps, d.status]), /\/dev\//, 'no device paths for a viewer');
    assert.equal(d.adminStatus.debug.device, '/dev/video0', 'admins see the device under debug');
    assert.deepEqual([d.system.status, d.system.discovery_active, d.system.available_cameras], ['ready', true, ['camera0', 'camera1']]);
    assert.equal(d.eventSource, 'udev');
  });

  await t.test('v4l2loopback: no camera while output-only; a writer makes it camera2; it leaves when the writer stops', () => {
    const add = stepOk('loopback_add');
    const d = add.data as any;
    assert.equal(d.idleCapture, false);
    assert.deepEqual(d.idleCameras, ['camera0', 'camera1']);
    assert.deepEqual(pairs(add.seen), ['camera2 CONNECTED']);
    assert.equal(add.seen![0]!.name, 'Loop Cam');
    assert.deepEqual([d.caps.formats, d.caps.resolutions], [['YUYV'], ['320x240']], 'what the writer set');
    assert.deepEqual(pairs(stepOk('loopback_writer_stop').seen), ['camera2 DISCONNECTED']);
  });

  await t.test('hot remove and re-add (rmmod/modprobe): a client connected before sees DISCONNECTED, then CONNECTED with the same ids', () => {
    assert.deepEqual(pairs(stepOk('vivid_remove').seen), ['camera0 DISCONNECTED', 'camera1 DISCONNECTED']);
    const loop = stepOk('loopback_readd_renumbered');
    assert.deepEqual(pairs(loop.seen), ['camera2 CONNECTED']);
    assert.equal((loop.data as any).node, 'video0', 'the loopback took a node number vivid had');
    const vivid = stepOk('vivid_readd');
    assert.deepEqual(pairs(vivid.seen), ['camera0 CONNECTED', 'camera1 CONNECTED']);
    assert.notEqual((vivid.data as any).camera0Device, '/dev/video0', 'renumbered, same id');
  });

  await t.test('known camera re-plugged (3x unbind/bind, udev in charge): gone from the first signal, back from the cached probe before the re-probe ends, with the real capabilities', () => {
    const s = stepOk('replug');
    const cycles = (s.data as any).cycles as { connectedBeforeVerified: boolean; confirmed: boolean[]; probeMs: number[]; caps: Record<string, any> }[];
    assert.equal(cycles.length, 3);
    assert.equal(pairs(s.seen).length, 12);
    const capture = r.truth.filter((n) => n.capture);
    for (const [i, c] of cycles.entries()) {
      assert.ok(c.connectedBeforeVerified, `cycle ${i}: CONNECTED reached the client before the background re-probe ended`);
      assert.ok(c.confirmed.every((x) => x === true), `cycle ${i}: the re-probe confirmed the cached result: ${JSON.stringify(c.confirmed)}`);
      capture.forEach((node, k) => {
        const caps = c.caps[`camera${k}`];
        assert.deepEqual(caps.formats, node.fourccs, `cycle ${i}: formats of camera${k}`);
        assert.deepEqual([...caps.resolutions].sort(), [...node.sizes].sort(), `cycle ${i}: resolutions of camera${k}`);
      });
    }
    // Relative to the same run: a known camera costs less over the floor than one probe does,
    // and so does a removal (it never waits for a probe).
    const probe = median(cycles.flatMap((c) => c.probeMs));
    const over = (step: string) => median((r.floors ?? []).filter((f) => f.step === step).map((f) => f.serviceMs - f.floorMs));
    assert.ok(over('vivid bind (known)') < probe, `re-plug: service - floor ${over('vivid bind (known)')} ms, a probe ${probe} ms`);
    assert.ok(over('vivid unbind') < probe, `unplug: service - floor ${over('vivid unbind')} ms, a probe ${probe} ms`);
    t.diagnostic(`re-plug: background re-probe ${probe} ms (median); service - floor: bind ${over('vivid bind (known)')} ms, unbind ${over('vivid unbind')} ms`);
  });

  await t.test('a loopback writer\'s stop is noticed from its pace, well before the old fixed 2 s silence', () => {
    const stops = (r.floors ?? []).filter((f) => f.step === 'loopback writer stop');
    assert.ok(stops.length >= 3, JSON.stringify(r.floors));
    const over = median(stops.map((f) => f.serviceMs - f.floorMs));
    assert.ok(over < 2000, `writer stop: service - floor ${over} ms`);
  });

  await t.test('killing the udevadm monitor child does not stop detection; the monitor is restarted', () => {
    const s = stepOk('udev_monitor_killed');
    assert.deepEqual(pairs(s.seen), ['camera0 CONNECTED', 'camera0 DISCONNECTED', 'camera1 CONNECTED', 'camera1 DISCONNECTED']);
    const d = s.data as any;
    assert.equal(d.newPids.length, 1);
    assert.notEqual(d.newPids[0], d.killedPid);
    assert.deepEqual(d.sources, ['inotify', 'udev']);
    assert.ok(d.metrics.includes('camera_service_discovery_udev_monitor_restarts_total 1'), d.metrics.join('\n'));
  });

  await t.test('service restart: same ids; the absent loopback keeps its id and gets it back', () => {
    const restart = stepOk('restart');
    assert.deepEqual(pairs(restart.seen), ['camera2 DISCONNECTED']);
    assert.deepEqual((restart.data as any).list.cameras.map((c: any) => [c.device, c.status, c.name]), [
      ['camera0', 'CONNECTED', 'vivid'],
      ['camera1', 'CONNECTED', 'vivid'],
      ['camera2', 'DISCONNECTED', 'Loop Cam'],
    ]);
    assert.deepEqual(pairs(stepOk('loopback_back_after_restart').seen), ['camera2 CONNECTED', 'camera2 DISCONNECTED']);
  });

  await t.test('as nobody with inotify only: nodes root-only until udev runs are probed once udev fixed them', () => {
    const s = stepOk('unprivileged_inotify');
    const d = s.data as any;
    assert.equal(d.uid, '65534');
    assert.ok(d.modes.length >= 3 && d.modes.every((m: string) => m.endsWith(' 0:0 600')), `nodes before udev ran: ${d.modes}`);
    assert.ok(d.waits.length >= 2, `permission waits: ${d.waits}`);
    assert.deepEqual(d.listWhileHeld, ['camera0 DISCONNECTED', 'camera1 DISCONNECTED', 'camera2 DISCONNECTED'], 'ids kept across the restart as another user');
    assert.deepEqual(pairs(s.seen), ['camera0 CONNECTED', 'camera1 CONNECTED']);
    assert.equal(d.rescans, 0);
    t.diagnostic(`unprivileged: permission waits ${JSON.stringify(d.waits)}; CONNECTED ${JSON.stringify(d.afterReleaseMs)} ms after udev was let go`);
  });

  await t.test('topic subscribers got camera.connected / camera.disconnected / camera.capability_detected', () => {
    const topics = (stepOk('topics').data as any).topics as { method: string; device: string }[];
    const has = (m: string, d: string) => topics.some((x) => x.method === m && x.device === d);
    assert.ok(has('camera.connected', 'camera2') && has('camera.disconnected', 'camera0') && has('camera.capability_detected', 'camera2'), JSON.stringify(topics));
  });

  await t.test('every hotplug change was measured by the service', () => {
    assert.ok(r.latencies.length >= 10);
    for (const l of r.latencies) assert.ok(typeof l.serviceMs === 'number' && l.source, JSON.stringify(l));
  });

  assert.deepEqual(r.errors, [], `scenario errors ${where}`);
  if (!process.env['VM_KEEP_OUT']) rmSync(res.outDir, { recursive: true, force: true });
});
