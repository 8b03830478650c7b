/**
 * Three service instances (own ports, state directories and topic prefixes) on one real
 * mosquitto: `camera-service-ctl fleet` lists the three hosts and their cameras from the
 * retained topics (table and --json), shows a stopped host offline, and `--watch` follows events.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { needMosquitto, startBroker, subscriber } from '../../helpers/mosquitto.js';
import { ROOT, startService, type RunningService } from '../../helpers/service.js';

const CTL = join(ROOT, 'dist', 'src', 'cli', 'ctl.js');
const small = { width: 160, height: 120, fps: 10 };

describe('fleet view of many hosts', () => {
  it('three instances on one broker → fleet lists all three hosts and their cameras; stopped host offline; --watch follows events', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const root = `fleet-${randomBytes(3).toString('hex')}`;
    const names = ['alpha', 'bravo', 'charlie'];
    const services: RunningService[] = [];
    t.after(() => Promise.all(services.map((s) => s.stop())));
    for (const [i, name] of names.entries()) {
      services.push(
        await startService({
          mqtt: { url: broker.url, topic_prefix: `${root}/${name}` },
          test_cameras: { patterns: Array.from({ length: i + 1 }, (_, k) => ({ name: `${name}${k}`, ...small })) },
        }),
      );
    }
    // All three hosts have published their picture.
    const sub = await subscriber(broker.url, [`${root}/#`]);
    t.after(() => sub.close());
    for (const [i, name] of names.entries()) {
      await sub.waitFor((m) => m.topic === `${root}/${name}/status` && m.text === 'online', 15000, `${name} online`);
      await sub.waitFor((m) => m.topic === `${root}/${name}/cameras/camera${i}/state` && m.text !== '', 15000, `${name} camera${i}`);
    }
    const bravoAdmin = await services[1]!.client('operator');
    t.after(() => bravoAdmin.close());
    await bravoAdmin.call('start_recording', { device: 'camera0' });
    await sub.waitFor((m) => m.topic === `${root}/bravo/cameras/camera0/state` && m.text !== '' && m.json().recording.active === true, 15000, 'bravo recording');

    const fleet = (...args: string[]) => spawnSync(process.execPath, [CTL, 'fleet', '--mqtt', broker.url, '--prefix', root, ...args], { encoding: 'utf8', timeout: 30000 });
    const json = fleet('--json');
    assert.equal(json.status, 0, json.stderr);
    const view = JSON.parse(json.stdout) as { hosts: { prefix: string; status: string; version: string; cameras: { device: string; status: string; recording: boolean }[] }[] };
    assert.deepEqual(
      view.hosts.map((h) => [h.prefix, h.status, typeof h.version, h.cameras.map((c) => `${c.device}:${c.status}:${c.recording}`)]),
      [
        [`${root}/alpha`, 'online', 'string', ['camera0:CONNECTED:false']],
        [`${root}/bravo`, 'online', 'string', ['camera0:CONNECTED:true', 'camera1:CONNECTED:false']],
        [`${root}/charlie`, 'online', 'string', ['camera0:CONNECTED:false', 'camera1:CONNECTED:false', 'camera2:CONNECTED:false']],
      ],
    );
    const human = fleet();
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^HOST\s+STATUS\s+VERSION\s+CAMERAS/m);
    assert.equal(human.stdout.match(/\bonline\b/g)?.length, 3);

    // --watch: the listing first, then events as they happen.
    const watch = spawn(process.execPath, [CTL, 'fleet', '--mqtt', broker.url, '--prefix', root, '--watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => (watch.exitCode === null ? void watch.kill('SIGINT') : undefined));
    const lines: string[] = [];
    const waiters = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void }>();
    createInterface({ input: watch.stdout! }).on('line', (l) => {
      lines.push(l);
      for (const w of waiters) if (w.match(l)) (waiters.delete(w), w.resolve(l));
    });
    const line = (match: (l: string) => boolean, what: string) =>
      lines.find(match) !== undefined
        ? Promise.resolve(lines.find(match)!)
        : new Promise<string>((resolve, reject) => {
            const w = { match, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
            const timer = setTimeout(() => (waiters.delete(w), reject(new Error(`${what} not printed; got ${lines.slice(-3).join(' | ')}`))), 15000);
            waiters.add(w);
          });
    const listing = JSON.parse(await line((l) => l.startsWith('{"root"'), 'the listing'));
    assert.equal(listing.hosts.length, 3);
    const alphaAdmin = await services[0]!.client('admin');
    t.after(() => alphaAdmin.close());
    await alphaAdmin.call('add_test_camera', { name: 'late', ...small });
    const ev = JSON.parse(await line((l) => l.includes('"event":"camera.connected"'), 'camera.connected'));
    assert.deepEqual([ev.host, ev.params.device], [`${root}/alpha`, 'camera1']);

    // charlie stops: the fleet shows it offline (retained), the others online.
    await services[2]!.stop();
    await line((l) => l.includes(`"host":"${root}/charlie","status":"offline"`), 'charlie offline');
    watch.kill('SIGINT');
    const after = JSON.parse(fleet('--json').stdout) as typeof view;
    assert.deepEqual(after.hosts.map((h) => h.status), ['online', 'online', 'offline']);

    // Usage errors.
    assert.equal(spawnSync(process.execPath, [CTL, 'fleet'], { encoding: 'utf8' }).status, 2);
    assert.equal(spawnSync(process.execPath, [CTL, 'fleet', '--mqtt', 'http://x'], { encoding: 'utf8' }).status, 2);
  });
});
