/**
 * The MQTT bridge on a real mosquitto (Debian's, on a free loopback port): event → subscriber
 * receipt with 16 cameras cycling, and what the bridge adds to idle RSS.
 */
import { CameraServiceClient } from '../../src/client/index.js';
import { mosquittoBinary, startBroker, subscriber } from '../../test/helpers/mosquitto.js';
import { monotonicNow } from '../lib/clock.js';
import { statusKb } from '../lib/procfs.js';
import { distribution } from '../lib/stats.js';
import { steadyRss } from './memory.js';
import { sleep, type Scenario } from './types.js';

const CAMERAS = 16;
const IDLE_STEADY_S = 20;

export const mqtt: Scenario = {
  name: 'mqtt',
  title: 'MQTT bridge: event → subscriber receipt, idle RSS',
  what:
    `A fresh service with the MQTT bridge on a local mosquitto, an admin connection and an MQTT 5 subscriber of the host's topics. Per cycle: ${CAMERAS} add_test_camera ` +
    `requests sent at once, then the ${CAMERAS} remove_test_camera at once. Per camera, from the registry event its reply reports (event_monotonic_ms, the host's ` +
    'CLOCK_MONOTONIC, read here too) → the event (events/camera.connected, events/camera.disconnected) and → the retained state document with the new status ' +
    'received by the subscriber (timed in this process when MQTT.js emits the message). One warm-up cycle is not recorded. ' +
    `Idle RSS: a fresh service without cameras, VmRSS ${IDLE_STEADY_S} s after ready (median of 5 readings), without mqtt.url and with it (connected to the broker), alternately, once per repeat.`,
  async run(ctx, out) {
    const s0 = await ctx.current();
    if (s0.kind !== 'self') return out.skip('needs this service with its MQTT configuration (self only)');
    const bin = mosquittoBinary();
    if (!bin) return out.skip('mosquitto is not installed (apt-get install mosquitto)');
    const broker = await startBroker(bin);
    try {
      const prefix = 'bench/host';
      const s = await ctx.subject({ overrides: { mqtt: { url: broker.url, topic_prefix: prefix } } });
      const sub = await subscriber(broker.url, [`${prefix}/events/#`, `${prefix}/cameras/+/state`]);
      const receipts = new Map<string, number>();
      sub.client.on('message', (topic, payload) => {
        const at = monotonicNow();
        const m = /\/cameras\/([^/]+)\/state$/.exec(topic);
        if (m && payload.length > 0) {
          const status = (JSON.parse(payload.toString()) as { status: string }).status;
          if (!receipts.has(`state:${m[1]}:${status}`)) receipts.set(`state:${m[1]}:${status}`, at);
        } else if (topic.endsWith('/events/camera.connected') || topic.endsWith('/events/camera.disconnected')) {
          const device = (JSON.parse(payload.toString()) as { device: string }).device;
          const key = `event:${device}:${topic.endsWith('connected') && !topic.endsWith('disconnected') ? 'CONNECTED' : 'DISCONNECTED'}`;
          if (!receipts.has(key)) receipts.set(key, at);
        }
      });
      const admin = await CameraServiceClient.connect(s.url, { timeoutMs: 30000 });
      await admin.authenticate(await s.token('admin'));
      // The same change seen by a WebSocket viewer, for comparison under the same load.
      const viewer = await CameraServiceClient.connect(s.url, { timeoutMs: 30000 });
      await viewer.authenticate(await s.token('viewer'));
      viewer.onNotification('camera_status_update', (p: { device: string; status: string }) => {
        const at = monotonicNow();
        if (!receipts.has(`ws:${p.device}:${p.status}`)) receipts.set(`ws:${p.device}:${p.status}`, at);
      });
      const names = Array.from({ length: CAMERAS }, (_, i) => `mqtt${i}`);
      const waitAll = async (keys: string[], timeoutMs: number) => {
        const t0 = performance.now();
        while (!keys.every((k) => receipts.has(k))) {
          if (performance.now() - t0 > timeoutMs) throw new Error(`MQTT messages missing after ${timeoutMs} ms: ${keys.filter((k) => !receipts.has(k)).slice(0, 5).join(', ')}`);
          await sleep(2);
        }
      };
      const phase = async (adding: boolean, record: boolean) => {
        const status = adding ? 'CONNECTED' : 'DISCONNECTED';
        for (const k of [...receipts.keys()]) if (k.endsWith(`:${status}`)) receipts.delete(k);
        const replies = await Promise.all(
          names.map(async (name) => {
            const r = adding ? await admin.call('add_test_camera', { name, width: 320, height: 240, fps: 15 }) : await admin.call('remove_test_camera', { name });
            return { device: r.device, event: r.event_monotonic_ms };
          }),
        );
        await waitAll(replies.flatMap((r) => [`event:${r.device}:${status}`, `state:${r.device}:${status}`, `ws:${r.device}:${status}`]), 10000);
        if (!record) return;
        const what = adding ? 'add' : 'remove';
        const label = adding ? 'camera added' : 'camera removed';
        out.figures.dist(`mqtt.${what}.event`, `${CAMERAS} at once: ${label} (registry event) → MQTT event received by a subscriber`, distribution(replies.map((r) => receipts.get(`event:${r.device}:${status}`)! - r.event)));
        out.figures.dist(`mqtt.${what}.state`, `${CAMERAS} at once: ${label} (registry event) → retained state document received by a subscriber`, distribution(replies.map((r) => receipts.get(`state:${r.device}:${status}`)! - r.event)));
        out.figures.dist(`mqtt.${what}.ws`, `${CAMERAS} at once: ${label} (registry event) → camera_status_update received by a WebSocket viewer (same run, for comparison)`, distribution(replies.map((r) => receipts.get(`ws:${r.device}:${status}`)! - r.event)));
      };
      const cycles = ctx.opts.smoke ? 1 : Math.max(ctx.opts.repeats, 5);
      try {
        await phase(true, false);
        await phase(false, false);
        for (let c = 0; c < cycles; c++) {
          ctx.log(`mqtt: cycle ${c + 1}/${cycles}`);
          await phase(true, true);
          await phase(false, true);
        }
      } finally {
        await admin.close();
        await viewer.close();
        await sub.close();
      }

      // Idle RSS without and with the bridge (fresh services, no cameras, no clients).
      const idle = ctx.opts.smoke ? 2 : IDLE_STEADY_S;
      const rounds = ctx.opts.smoke ? 1 : ctx.opts.repeats;
      for (const enabled of Array.from({ length: rounds }, () => [false, true]).flat()) {
        const svc = await ctx.subject(enabled ? { overrides: { mqtt: { url: broker.url, topic_prefix: prefix } } } : {});
        if (!svc.pid) return out.skip('the service process cannot be observed');
        await sleep(idle * 1000);
        const rss = await steadyRss(svc.pid);
        const tag = enabled ? 'on' : 'off';
        out.figures.value(`mqtt.idle_rss_${tag}`, `idle RSS ${idle} s after ready, MQTT bridge ${enabled ? 'enabled and connected' : 'disabled (mqtt.url empty)'}`, rss, 'MB');
        out.figures.value(`mqtt.idle_rss_anon_${tag}`, `… of which anonymous`, statusKb(svc.pid, 'RssAnon') / 1024, 'MB');
      }
    } finally {
      await broker.close();
    }
  },
};
