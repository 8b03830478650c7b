/**
 * The operator console in a real browser: Debian's chromium driven by playwright-core, against
 * the real service, MediaMTX (WebRTC on loopback) and a 1280x720 test-pattern camera.
 * Screenshots of each page go to a temporary folder printed at the start.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { freePorts } from '../../helpers/ports.js';
import { skipUnlessPresent } from '../../helpers/required.js';
import { startService, type RunningService } from '../../helpers/service.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipUnlessPresent(!existsSync(CHROMIUM) && `chromium (${CHROMIUM}; apt-get install chromium)`);
const SHOTS = process.env['CONSOLE_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'camera-service-console-shots-'));

describe('operator console in chromium', { skip, timeout: 180_000 }, () => {
  let svc: RunningService;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    const [webrtc, udp] = (await freePorts(2)) as [number, number];
    svc = await startService({
      mediamtx: { webrtc_port: webrtc, webrtc_udp_port: udp },
      test_cameras: { patterns: [{ name: 'a', width: 1280, height: 720, fps: 15 }] },
      recording: { progress_interval_s: 1 },
    });
    mkdirSync(SHOTS, { recursive: true });
    console.log(`# console screenshots: ${SHOTS}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // launch() gives every run a fresh temporary profile (a --user-data-dir of its own).
    });
  });

  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  /** A fresh browser context signed in with `role`; console errors and page errors are collected. */
  async function signedIn(role: 'viewer' | 'operator' | 'admin', opts: { width?: number; height?: number; noWebRtc?: boolean; prepare?: (ctx: BrowserContext) => Promise<void> } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
    // A browser without WebRTC, to exercise the snapshot fallback.
    if (opts.noWebRtc) await ctx.addInitScript('delete window.RTCPeerConnection;');
    await opts.prepare?.(ctx);
    const page = await ctx.newPage();
    page.on('console', (m: ConsoleMessage) => void (m.type() === 'error' && problems.push(`${role} console error: ${m.text()} (${m.location().url})`)));
    page.on('pageerror', (err) => problems.push(`${role} page error: ${err.message}`));
    await page.goto(svc.httpUrl + '/');
    assert.equal(new URL(page.url()).pathname, '/console/');
    await page.getByRole('textbox', { name: 'Token or API key' }).fill(await svc.token(role));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 10_000 });
    assert.ok(!page.url().includes('eyJ'), 'the credential is never in the URL');
    return { ctx, page };
  }

  /** Every page is screenshotted, and every control on it must have an accessible name (from its accessibility tree). */
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const tree = await page.locator('body').ariaSnapshot();
    const unnamed = tree.split('\n').filter((line) => /^\s*- (button|link|checkbox|switch|slider|combobox|listbox|textbox|spinbutton|radio|searchbox)\b(?! ")/.test(line));
    assert.deepEqual(unnamed, [], `controls without an accessible name on page ${name}:\n${tree}`);
    named.add(name);
  };
  const named = new Set<string>();
  const tile = (page: Page, name: string) => page.getByRole('listitem', { name: `Camera ${name}` });

  test('the console is served with its security and cache headers, compressed', async () => {
    const index = await fetch(`${svc.httpUrl}/console/`, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(index.status, 200);
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, new RegExp(`connect-src 'self' http://localhost:${svc.config.mediamtx.webrtc_port}`));
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
    const asset = /src="(assets\/[0-9a-f]+\/main\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(`${svc.httpUrl}/console/${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-encoding'), 'gzip');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await fetch(`${svc.httpUrl}/console/assets/0123abcd/../../../package.json`)).status, 404);
    assert.equal((await fetch(`${svc.httpUrl}/nothing-here`)).status, 404);
  });

  test('sign-in: a wrong credential is refused; a good one lives in sessionStorage only and survives a reload', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.on('pageerror', (err) => problems.push(`sign-in page error: ${err.message}`));
    await page.goto(`${svc.httpUrl}/console/`);
    await page.getByRole('textbox', { name: 'Token or API key' }).fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /^Sign-in failed/ }).waitFor({ timeout: 10_000 });
    await shot(page, 'sign-in');
    const token = await svc.token('viewer');
    await page.getByRole('textbox', { name: 'Token or API key' }).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 10_000 });
    const stored = await page.evaluate(() => {
      const g = globalThis as any;
      return { session: Object.values({ ...g.sessionStorage }) as string[], local: g.localStorage.length as number, url: g.location.href as string };
    });
    assert.deepEqual(stored.session, [token]);
    assert.equal(stored.local, 0);
    assert.ok(!stored.url.includes(token));
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.length as number), 0);
    await ctx.close();
  });

  test('operator: the camera plays live over WebRTC at 1280 wide, the WHEP offer carrying the credential', async () => {
    const whep: { url: string; authorization: string | undefined; offer: string | null }[] = [];
    const { ctx, page } = await signedIn('operator', {
      prepare: async (c) => void c.on('request', (r) => void (r.method() === 'POST' && r.url().endsWith('/whep') && whep.push({ url: r.url(), authorization: r.headers()['authorization'], offer: r.postData() }))),
    });
    const t = tile(page, 'Test pattern a');
    await t.waitFor({ timeout: 10_000 });
    const video = t.locator('video');
    await page.waitForFunction(
      (el) => {
        const v = el as unknown as { currentTime: number; videoWidth: number };
        return v.videoWidth === 1280 && v.currentTime > 0.5;
      },
      await video.elementHandle(),
      { timeout: 20_000 },
    );
    assert.equal(await t.locator('.view').getAttribute('data-mode'), 'webrtc');
    assert.equal(whep.length, 1);
    assert.equal(whep[0]!.url, `http://127.0.0.1:${svc.config.mediamtx.webrtc_port}/camera0/whep`);
    assert.match(whep[0]!.authorization ?? '', /^Bearer eyJ/);
    // The same offer without the credential is refused (media authentication is on by default).
    const bare = await fetch(whep[0]!.url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: whep[0]!.offer ?? '' });
    assert.equal(bare.status, 401);
    await bare.text();
    await page.getByRole('listitem', { name: 'Camera Test pattern a' }).getByText(/readers \d+/).waitFor();
    await shot(page, 'cameras');
    await ctx.close();
  });

  test('operator: record (shown live in the list), stop, then play the recording from the list; take a snapshot', async () => {
    const { ctx, page } = await signedIn('operator');
    await tile(page, 'Test pattern a').getByRole('link', { name: 'Test pattern a' }).click();
    await page.getByRole('button', { name: 'Start streaming' }).click();
    await page.getByRole('status').filter({ hasText: 'Start streaming: done' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Start recording' }).click();
    await page.getByRole('button', { name: 'Stop recording' }).waitFor({ timeout: 15_000 });
    const video = page.locator('.view video');
    await page.waitForFunction((el) => (el as unknown as { currentTime: number }).currentTime > 1, await video.elementHandle(), { timeout: 20_000 });
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.getByRole('img', { name: /^Snapshot camera0_.*\.jpg$/ }).waitFor({ timeout: 10_000 });
    await shot(page, 'camera');
    // The recordings page opened during the recording shows it as in progress.
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByRole('list', { name: 'Recordings in progress' }).getByText(/Recording camera0: camera0_.*\.mp4 \(\d+ s, [\d.]+ [KM]iB\)/).waitFor({ timeout: 10_000 });
    await shot(page, 'recordings-live');
    // Back on the camera page, the recording in progress is known (Stop offered).
    await page.goBack();
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByRole('button', { name: 'Start recording' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Stop streaming' }).click();
    await page.getByRole('status').filter({ hasText: 'Stop streaming: done' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByRole('button', { name: /^Play camera0_.*\.mp4$/ }).first().click();
    await page.waitForFunction(
      (el) => {
        const v = el as unknown as { currentTime: number; videoWidth: number };
        return v.videoWidth === 1280 && v.currentTime > 0.3;
      },
      await page.getByRole('region', { name: 'Player' }).locator('video').elementHandle(),
      { timeout: 15_000 },
    );
    assert.equal(await page.getByRole('list', { name: 'Recordings in progress' }).getByRole('listitem').count(), 0);
    await page.getByRole('button', { name: /^View camera0_.*\.jpg$/ }).first().click();
    await page.getByRole('region', { name: 'Player' }).getByRole('img').waitFor();
    await shot(page, 'recordings');
    await ctx.close();
  });

  test('an external stream is in the grid and plays', async () => {
    const op = await svc.client('operator');
    const source = `rtsp://any:${svc.mediaToken}@127.0.0.1:${svc.rtspPort}/camera0`;
    try {
      // The service's own MediaMTX as the external camera: MediaMTX pulls it with a viewer token as the RTSP password.
      await op.call('add_external_stream', { stream_url: source, stream_name: 'ext1' });
      const { ctx, page } = await signedIn('operator');
      const t = tile(page, 'External stream ext1');
      await t.waitFor({ timeout: 10_000 });
      await page.waitForFunction(
        (el) => {
          const v = el as unknown as { currentTime: number; videoWidth: number };
          return v.videoWidth === 1280 && v.currentTime > 0.5;
        },
        await t.locator('video').elementHandle(),
        { timeout: 20_000 },
      );
      await shot(page, 'cameras-external');
      await ctx.close();
    } finally {
      await op.call('remove_external_stream', { stream_url: source });
      await op.close();
    }
  });

  test('without WebRTC the grid falls back to a snapshot refreshed every few seconds', async () => {
    const { ctx, page } = await signedIn('operator', { noWebRtc: true });
    const t = tile(page, 'Test pattern a');
    await t.waitFor();
    const img = t.getByRole('img', { name: 'Latest snapshot of Test pattern a' });
    await img.waitFor({ timeout: 15_000 });
    await page.waitForFunction((el) => (el as unknown as { naturalWidth: number }).naturalWidth === 1280, await img.elementHandle(), { timeout: 15_000 });
    const first = await img.getAttribute('src');
    assert.match(first ?? '', /^blob:/);
    await page.waitForFunction((args) => (args[0] as unknown as { src: string }).src !== args[1], [await img.elementHandle(), first] as const, { timeout: 15_000 });
    assert.equal(await t.locator('.view').getAttribute('data-mode'), 'snapshot');
    await shot(page, 'cameras-snapshot-fallback');
    await ctx.close();
  });

  test('a viewer without WebRTC sees the camera\'s newest snapshot (viewers take none)', async () => {
    const { ctx, page } = await signedIn('viewer', { noWebRtc: true });
    const img = tile(page, 'Test pattern a').getByRole('img', { name: 'Latest snapshot of Test pattern a' });
    await img.waitFor({ timeout: 15_000 });
    await page.waitForFunction((el) => (el as unknown as { naturalWidth: number }).naturalWidth === 1280, await img.elementHandle(), { timeout: 15_000 });
    await ctx.close();
  });

  test('phone width: the grid fits 390 px without sideways scrolling', async () => {
    const { ctx, page } = await signedIn('operator', { width: 390, height: 844 });
    await tile(page, 'Test pattern a').waitFor();
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByRole('heading', { name: /^Recordings \(\d+\)$/ }).waitFor();
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
    assert.ok(overflow <= 390, `page is ${overflow} px wide`);
    await shot(page, 'phone-recordings');
    await ctx.close();
  });

  test('operator: the mode is changed through set_camera_mode, controls are read through get_camera_controls', async () => {
    const { ctx, page } = await signedIn('operator');
    const sent: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => void (typeof f.payload === 'string' && sent.push(f.payload))));
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${svc.httpUrl}/console/#/camera/camera0`);
    await page.getByRole('combobox', { name: 'Resolution' }).selectOption('1280x720');
    await page.getByRole('combobox', { name: 'Frame rate' }).selectOption('15');
    await page.getByRole('button', { name: 'Apply mode' }).click();
    await page.locator('dd[data-field="mode"]', { hasText: '(operator)' }).waitFor({ timeout: 15_000 });
    await page.getByText('This camera has no controls.').waitFor();
    const methods = sent.map((t) => (JSON.parse(t) as { method: string; params?: Record<string, unknown> }));
    assert.deepEqual(methods.find((m) => m.method === 'set_camera_mode')?.params, { device: 'camera0', width: 1280, height: 720, fps: 15 });
    assert.ok(methods.some((m) => m.method === 'get_camera_controls'));
    await ctx.close();
  });

  test('operator: controls are sliders, switches and menus, and a change is a set_camera_controls RPC to the server', async () => {
    // A test-pattern camera has no V4L2 controls: the page's WebSocket is routed through the
    // test, which answers get_camera_controls with three controls and passes everything else,
    // set_camera_controls included, to the real service (which refuses them for this camera).
    const sent: { id: number; params: Record<string, unknown> }[] = [];
    const replies = new Map<number, { error?: { code: number } }>();
    let allReplied!: () => void;
    const threeReplies = new Promise<void>((r) => (allReplied = r));
    const controls = [
      { name: 'brightness', label: 'Brightness', type: 'int', min: 0, max: 255, step: 1, default: 128, value: 128, menu: [], flags: ['slider'], persisted: false },
      { name: 'white_balance_automatic', label: 'White Balance, Automatic', type: 'bool', min: 0, max: 1, step: 1, default: true, value: true, menu: [], flags: [], persisted: false },
      { name: 'power_line_frequency', label: 'Power Line Frequency', type: 'menu', min: 0, max: 2, step: 1, default: 1, value: 1, menu: [{ index: 0, label: 'Disabled' }, { index: 1, label: '50 Hz' }, { index: 2, label: '60 Hz' }], flags: [], persisted: false },
    ];
    const prepare = (ctx: BrowserContext) =>
      ctx.routeWebSocket(/\/ws$/, (ws) => {
        const server = ws.connectToServer();
        const faked = new Set<number>();
        ws.onMessage((text) => {
          const m = JSON.parse(String(text)) as { id: number; method: string; params: Record<string, unknown> };
          if (m.method === 'get_camera_controls') faked.add(m.id);
          if (m.method === 'set_camera_controls') sent.push(m);
          server.send(text);
        });
        server.onMessage((text) => {
          const m = JSON.parse(String(text)) as { id?: number; error?: { code: number } };
          if (m.id !== undefined && faked.has(m.id)) return ws.send(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { device: 'camera0', controls } }));
          if (m.id !== undefined && sent.some((x) => x.id === m.id)) {
            replies.set(m.id, m);
            if (replies.size === 3) allReplied();
          }
          ws.send(text);
        });
      });
    const { ctx, page } = await signedIn('operator', { prepare });
    await page.goto(`${svc.httpUrl}/console/#/camera/camera0`);
    const slider = page.getByRole('slider', { name: 'Brightness' });
    await slider.waitFor({ timeout: 10_000 });
    await slider.fill('200');
    await page.getByRole('switch', { name: 'White Balance, Automatic' }).uncheck();
    await page.getByRole('combobox', { name: 'Power Line Frequency' }).selectOption({ label: '60 Hz' });
    await page.getByRole('status').filter({ hasText: /^Power Line Frequency: / }).waitFor({ timeout: 10_000 });
    await Promise.race([threeReplies, new Promise((_r, reject) => setTimeout(() => reject(new Error(`${replies.size} of 3 set_camera_controls replies within 10 s`)), 10_000).unref())]);
    await shot(page, 'camera-controls');
    assert.deepEqual(sent.map((m) => m.params), [
      { device: 'camera0', controls: { brightness: 200 } },
      { device: 'camera0', controls: { white_balance_automatic: false } },
      { device: 'camera0', controls: { power_line_frequency: 2 } },
    ]);
    // The server decided: this camera has no such controls; the page shows the values read again.
    for (const m of sent) assert.equal(replies.get(m.id)?.error?.code, -32602);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('input[aria-label="Brightness"]')?.value === '128', undefined, { timeout: 10_000 });
    await ctx.close();
  });

  test('viewer: no operator actions, and a forced one is refused by the server', async () => {
    const { ctx, page } = await signedIn('viewer');
    await tile(page, 'Test pattern a').waitFor();
    await page.goto(`${svc.httpUrl}/console/#/camera/camera0`);
    await page.locator('dd[data-field="status"]').waitFor();
    for (const name of ['Start recording', 'Stop recording', 'Start streaming', 'Take snapshot', 'Apply mode']) {
      assert.equal(await page.getByRole('button', { name }).count(), 0, `viewer sees no ${name}`);
    }
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByRole('heading', { name: /^Recordings \(\d+\)$/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Delete / }).count(), 0);
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByText('Version').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Add stream' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Save retention policy' }).count(), 0);
    // Forced by hand: the viewer's own credential over a WebSocket of its own.
    const refused = await page.evaluate(async (token) => {
      const g = globalThis as any;
      const ws = new g.WebSocket(`ws://${g.location.host}/ws`);
      await new Promise((r) => ws.addEventListener('open', r, { once: true }));
      const replies = new Map<number, (m: any) => void>();
      ws.addEventListener('message', (ev: any) => {
        const m = JSON.parse(ev.data);
        replies.get(m.id)?.(m);
      });
      const call = (id: number, method: string, params: object) =>
        new Promise<any>((r) => (replies.set(id, r), ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))));
      const auth = await call(1, 'authenticate', { auth_token: token });
      if (!auth.result?.authenticated) throw new Error(JSON.stringify(auth));
      const reply = await call(2, 'start_recording', { device: 'camera0' });
      ws.close();
      return reply;
    }, await svc.token('viewer'));
    assert.equal(refused.error?.code, -32002);
    await shot(page, 'viewer-system');
    await ctx.close();
  });

  test('admin: cameras added at run time appear and play without a reload, a removed one goes grey; system page', async () => {
    const { ctx, page } = await signedIn('admin');
    await tile(page, 'Test pattern a').waitFor();
    const admin = await svc.client('admin');
    const playing = (name: string) =>
      page.waitForFunction((n) => {
        const v = (globalThis as any).document.querySelector(`[aria-label="Camera Test pattern ${n}"] video`);
        return !!v && v.videoWidth > 0 && v.currentTime > 0.5;
      }, name, { timeout: 20_000 });
    try {
      for (const name of ['b', 'c', 'd']) await admin.call('add_test_camera', { name, width: 640, height: 360, fps: 10 });
      for (const name of ['a', 'b', 'c', 'd']) await playing(name);
      const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      console.log(`# service RSS with one browser watching 4 cameras over WebRTC: ${rss(svc.proc.pid!).toFixed(1)} MB`);
      await shot(page, 'cameras-4');
      await admin.call('remove_test_camera', { name: 'd' });
      await page.waitForFunction(() => (globalThis as any).document.querySelector('[aria-label="Camera Test pattern d"]')?.dataset.status === 'DISCONNECTED', undefined, { timeout: 10_000 });
      assert.match((await tile(page, 'Test pattern d').getAttribute('class')) ?? '', /disconnected/);
      await tile(page, 'Test pattern d').getByText('Camera offline').waitFor();
      await shot(page, 'cameras-removed');
      for (const name of ['b', 'c']) await admin.call('remove_test_camera', { name });
    } finally {
      await admin.close();
    }
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByText('Uptime').waitFor({ timeout: 10_000 });
    await page.getByRole('region', { name: 'Storage' }).getByText('Available').waitFor();
    await page.getByRole('combobox', { name: 'Retention policy' }).selectOption('age');
    await page.getByRole('spinbutton', { name: 'Maximum age (days)' }).fill('30');
    await page.getByRole('switch', { name: 'Retention enabled' }).check();
    await page.getByRole('button', { name: 'Save retention policy' }).click();
    await page.getByRole('status').filter({ hasText: /retention policy/i }).waitFor({ timeout: 10_000 });
    // External streams: added and removed from the page.
    const ext = page.getByRole('region', { name: 'External streams' });
    await ext.getByRole('textbox', { name: 'Stream URL' }).fill(`rtsp://127.0.0.1:${svc.rtspPort}/camera0`);
    await ext.getByRole('textbox', { name: 'Stream name' }).fill('ext2');
    await ext.getByRole('button', { name: 'Add stream' }).click();
    await ext.getByRole('button', { name: 'Remove ext2' }).waitFor({ timeout: 10_000 });
    await shot(page, 'system');
    await ext.getByRole('button', { name: 'Remove ext2' }).click();
    await ext.getByRole('button', { name: 'Remove ext2' }).waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByRole('link', { name: 'Cameras' }).click();
    await page.getByRole('link', { name: 'Test pattern a' }).click();
    await page.getByRole('button', { name: 'Why is this camera offline?' }).click();
    await page.getByRole('region', { name: 'Diagnostics' }).getByText(/camera0/).first().waitFor({ timeout: 10_000 });
    await ctx.close();
  });

  test('no console errors in the browser; every page was checked for unnamed controls', () => {
    assert.deepEqual(problems, []);
    for (const page of ['sign-in', 'cameras', 'camera', 'camera-controls', 'recordings', 'system', 'viewer-system']) assert.ok(named.has(page), page);
  });
});
