/**
 * scripts/install.sh and scripts/uninstall.sh into a temporary root (DESTDIR): the documented
 * tree, a configuration that validates, units that verify and point at installed files, a
 * runtime tree that starts on its own (production node_modules only), upgrades that keep the
 * configuration, and an uninstall that keeps recordings unless --purge.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { NODE_FLAGS } from '../../../src/node-flags.js';
import { freePorts } from '../../helpers/ports.js';
import { until } from '../../helpers/service.js';
import { hasSystemdAnalyze, parseUnit, verifyUnit } from './unit-file.js';
import { skipUnlessPresent } from '../../helpers/required.js';

const noAnalyze = skipUnlessPresent(hasSystemdAnalyze ? false : 'needs systemd-analyze (Debian package systemd)');

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PREFIX = '/opt/camera-service';
const BIN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

function run(script: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(join(ROOT, 'scripts', script), args, { encoding: 'utf8', env: { ...process.env, DESTDIR: '' } });
  return { status: r.status, stderr: r.stderr };
}

function install(dest: string, ...extra: string[]) {
  const r = run('install.sh', ['--destdir', dest, '--no-build', ...extra]);
  assert.equal(r.status, 0, `install.sh failed:\n${r.stderr}`);
  return r.stderr;
}

/** Every path below `dir`, relative, sorted (directories end in /). */
function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? [`${p}/`, ...tree(dir, p)] : [p];
  });
}

/** Starts the installed daemon from the DESTDIR tree with the installed config, moved to free ports and a scratch data dir. */
async function startInstalled(dest: string): Promise<{ httpUrl: string; stop: () => Promise<number | null> }> {
  const [port, apiPort, rtspPort] = (await freePorts(3)) as [number, number, number];
  const data = mkdtempSync(join(tmpdir(), 'installed-data-'));
  const env = {
    ...process.env,
    CAMERA_SERVICE_SERVER_HOST: '127.0.0.1',
    CAMERA_SERVICE_SERVER_PORT: String(port),
    CAMERA_SERVICE_MEDIAMTX_BINARY: join(dest, PREFIX, 'bin', 'mediamtx'),
    CAMERA_SERVICE_MEDIAMTX_API_URL: `http://127.0.0.1:${apiPort}`,
    CAMERA_SERVICE_MEDIAMTX_LISTEN_HOST: '127.0.0.1',
    CAMERA_SERVICE_MEDIAMTX_RTSP_PORT: String(rtspPort),
    CAMERA_SERVICE_MEDIAMTX_RTP_PORT: '0',
    CAMERA_SERVICE_MEDIAMTX_HLS_PORT: '0',
    CAMERA_SERVICE_MEDIAMTX_WEBRTC_PORT: '0',
    CAMERA_SERVICE_STORAGE_RECORDINGS_PATH: join(data, 'recordings'),
    CAMERA_SERVICE_STORAGE_SNAPSHOTS_PATH: join(data, 'snapshots'),
    CAMERA_SERVICE_STORAGE_STATE_PATH: join(data, 'state'),
  };
  // The unit's command line, rebased into DESTDIR, from a directory outside the repository.
  const proc = spawn(process.execPath, [join(dest, PREFIX, 'dist/src/main.js'), '--config', join(dest, 'etc/camera-service/config.yaml')], {
    cwd: data,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.includes('"msg":"service ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`installed daemon exited with ${code}: ${stderr}`)));
  });
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGTERM');
      const code = await exited;
      rmSync(data, { recursive: true, force: true });
      return code;
    },
  };
}

describe('install.sh into a temporary root (managed MediaMTX, the default)', () => {
  let dest: string;
  before(() => {
    dest = mkdtempSync(join(tmpdir(), 'destdir-'));
    install(dest);
  });
  after(() => rmSync(dest, { recursive: true, force: true }));

  it('produces the documented tree', () => {
    const files = new Set(tree(dest));
    for (const p of [
      'opt/camera-service/package.json',
      'opt/camera-service/dist/src/main.js',
      'opt/camera-service/dist/src/app.js',
      'opt/camera-service/ffmpeg-templates/README.md',
      'opt/camera-service/dist/src/streaming/on-demand-hook.sh',
      'opt/camera-service/bin/mediamtx',
      'opt/camera-service/docs/configuration.md',
      'opt/camera-service/docs/operations.md',
      'opt/camera-service/README.md',
      'opt/camera-service/INSTALLED_FILES',
      'usr/local/bin/camera-service',
      'etc/camera-service/config.yaml',
      'etc/systemd/system/camera-service.service',
      'etc/sysusers.d/camera-service.conf',
      'etc/tmpfiles.d/camera-service.conf',
      'etc/udev/rules.d/70-camera-service.rules',
    ]) {
      assert.ok(files.has(p), `${p} installed`);
    }
    // Only the runtime: no tests, sources, or build tooling.
    const top = readdirSync(join(dest, PREFIX)).sort();
    assert.deepEqual(top, ['CHANGELOG.md', 'INSTALLED_FILES', 'README.md', 'bin', 'dist', 'docs', 'ffmpeg-templates', 'node_modules', 'package-lock.json', 'package.json'].filter((f) => f !== 'CHANGELOG.md' || existsSync(join(ROOT, 'CHANGELOG.md'))));
    assert.deepEqual(readdirSync(join(dest, PREFIX, 'dist')).sort(), ['console', 'src']);
    assert.ok(existsSync(join(dest, PREFIX, 'dist', 'console', 'index.html')), 'the built console is shipped');
    // dist/ is self-contained: nothing is read from a source tree.
    assert.ok(!existsSync(join(dest, PREFIX, 'src')), 'no src/ in the installed tree');
    assert.ok(!files.has('etc/systemd/system/mediamtx.service'), 'no mediamtx.service in managed mode');
    // Nothing outside the documented places.
    assert.deepEqual(readdirSync(dest).sort(), ['etc', 'opt', 'usr']);
    assert.deepEqual(readdirSync(join(dest, 'etc')).sort(), ['camera-service', 'systemd', 'sysusers.d', 'tmpfiles.d', 'udev']);
    assert.deepEqual(tree(join(dest, 'usr')), ['local/', 'local/bin/', ...Object.keys(BIN).sort().map((n) => `local/bin/${n}`)]);
    assert.deepEqual(readdirSync(join(dest, 'opt')), ['camera-service']);
  });

  it('node_modules holds the production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const nm = join(dest, PREFIX, 'node_modules');
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(nm, dep, 'package.json')), `${dep} present`);
    // Dev-only packages are what the lock file marks `dev` (a devDependency such as @types/node
    // can also be needed at run time by a dependency's own dependencies, and is then kept).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([p, m]) => p.startsWith('node_modules/') && m.dev === true).map(([p]) => p.slice('node_modules/'.length));
    assert.ok(devOnly.includes('typescript'), 'the lock file marks dev-only packages');
    for (const dep of Object.keys(pkg.devDependencies)) assert.ok(!devOnly.includes(dep) || !existsSync(join(nm, dep)), `dev dependency ${dep} absent`);
    for (const dep of devOnly) assert.ok(!existsSync(join(nm, dep, 'package.json')), `dev-only package ${dep} absent`);
  });

  it('executables: the commands of package.json linked into /usr/local/bin, the on-demand hook and MediaMTX', () => {
    assert.ok(BIN['camera-service'], 'package.json names the camera-service command');
    for (const [name, path] of Object.entries(BIN)) {
      assert.equal(readlinkSync(join(dest, 'usr/local/bin', name)), `${PREFIX}/${path.replace(/^\.\//, '')}`);
      assert.ok(statSync(join(dest, PREFIX, path)).mode & 0o111, `${path} is executable`);
    }
    for (const p of ['dist/src/streaming/on-demand-hook.sh', 'bin/mediamtx']) {
      assert.ok(statSync(join(dest, PREFIX, p)).mode & 0o111, `${p} is executable`);
    }
  });

  it('config.yaml: 0640, a random 256-bit JWT secret, managed MediaMTX at the installed binary, and it validates', () => {
    const file = join(dest, 'etc/camera-service/config.yaml');
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.equal(statSync(join(dest, 'etc/camera-service')).mode & 0o777, 0o750);
    const cfg = parse(readFileSync(file, 'utf8')) as { security: { jwt_secret: string }; mediamtx: { managed: boolean; binary: string }; storage: Record<string, string> };
    assert.match(cfg.security.jwt_secret, /^[0-9a-f]{64}$/);
    assert.equal(cfg.mediamtx.managed, true);
    assert.equal(cfg.mediamtx.binary, `${PREFIX}/bin/mediamtx`);
    assert.deepEqual(cfg.storage, {
      recordings_path: '/var/lib/camera-service/recordings',
      snapshots_path: '/var/lib/camera-service/snapshots',
      state_path: '/var/lib/camera-service/state',
    });
    const check = spawnSync(process.execPath, [join(dest, PREFIX, 'dist/src/main.js'), 'check-config', '--config', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stdout, 'configuration ok\n');
  });

  it('the installed unit starts the installed tree; systemd-analyze verify passes on it', { skip: noAnalyze }, () => {
    const path = join(dest, 'etc/systemd/system/camera-service.service');
    const exec = parseUnit(readFileSync(path, 'utf8')).get('Service')!.get('ExecStart')![0]!.split(' ');
    assert.deepEqual(exec.slice(1), [...NODE_FLAGS, `${PREFIX}/dist/src/main.js`, '--config', '/etc/camera-service/config.yaml']);
    assert.ok(existsSync(join(dest, exec[1 + NODE_FLAGS.length]!)), 'ExecStart script exists in the installed tree');
    // The node binary the unit names is the one install.sh ran with.
    const r = verifyUnit(path, [[`ExecStart=${exec[0]} `, `ExecStart=${exec[0]} `]]);
    assert.equal(r.status, 0, r.output);
  });

  it('INSTALLED_FILES lists every file outside the runtime tree except the configuration', () => {
    const listed = readFileSync(join(dest, PREFIX, 'INSTALLED_FILES'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).sort();
    const outside = tree(dest).filter((p) => !p.endsWith('/') && !p.startsWith('opt/') && p !== 'etc/camera-service/config.yaml').map((p) => `/${p}`).sort();
    assert.deepEqual(listed, outside);
  });

  it('the installed tree runs on its own: the daemon starts from it and answers /health/ready', async () => {
    const svc = await startInstalled(dest);
    try {
      const res = await fetch(`${svc.httpUrl}/health/ready`);
      assert.equal(res.status, 200, await res.text());
    } finally {
      assert.equal(await svc.stop(), 0);
    }
  });

  it('re-running it upgrades the tree and keeps the configuration (and its secret)', () => {
    const file = join(dest, 'etc/camera-service/config.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited by the operator\n`);
    const before = readFileSync(file, 'utf8');
    writeFileSync(join(dest, PREFIX, 'stale-file'), 'left over from an older version');
    const log = install(dest);
    assert.match(log, /kept the existing \/etc\/camera-service\/config\.yaml/);
    assert.match(log, /upgraded \/opt\/camera-service/);
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.ok(!existsSync(join(dest, PREFIX, 'stale-file')), 'the runtime tree is replaced whole');
    assert.ok(!existsSync(join(dest, 'opt/camera-service.new')) && !existsSync(join(dest, 'opt/camera-service.old')));
  });
});

describe('install.sh --external-mediamtx', () => {
  let dest: string;
  before(() => {
    dest = mkdtempSync(join(tmpdir(), 'destdir-ext-'));
    install(dest, '--external-mediamtx');
  });
  after(() => rmSync(dest, { recursive: true, force: true }));

  it('installs MediaMTX as its own unit with an API on loopback, and points the service at it', () => {
    assert.ok(statSync(join(dest, 'usr/local/bin/mediamtx')).mode & 0o111);
    assert.ok(!existsSync(join(dest, PREFIX, 'bin')), 'no bundled MediaMTX');
    const mtx = parse(readFileSync(join(dest, 'etc/mediamtx/mediamtx.yml'), 'utf8')) as Record<string, unknown>;
    assert.equal(mtx.api, true);
    assert.equal(mtx.apiAddress, '127.0.0.1:9997');
    assert.equal(mtx.rtspAddress, ':8554');
    const cfg = parse(readFileSync(join(dest, 'etc/camera-service/config.yaml'), 'utf8')) as { mediamtx: { managed: boolean; api_url: string } };
    assert.deepEqual(cfg.mediamtx, { managed: false, api_url: 'http://127.0.0.1:9997' });
    const dropin = parseUnit(readFileSync(join(dest, 'etc/systemd/system/camera-service.service.d/10-external-mediamtx.conf'), 'utf8'));
    assert.deepEqual(dropin.get('Unit')?.get('Wants'), ['mediamtx.service']);
    assert.deepEqual(dropin.get('Unit')?.get('After'), ['mediamtx.service']);
  });

  it('the MediaMTX it installs accepts the configuration it writes', { timeout: 60000 }, async () => {
    // Same file, moved to free ports so that it can run here.
    const [api, rtsp] = (await freePorts(2)) as [number, number];
    const dir = mkdtempSync(join(tmpdir(), 'mtx-'));
    const conf = readFileSync(join(dest, 'etc/mediamtx/mediamtx.yml'), 'utf8')
      .replace(/^apiAddress: .*/m, `apiAddress: 127.0.0.1:${api}`)
      .replace(/^rtspAddress: .*/m, `rtspAddress: 127.0.0.1:${rtsp}`)
      .replace(/^hls: true/m, 'hls: false')
      .replace(/^webrtc: true/m, 'webrtc: false')
      .replace(/^rtspTransports:[\s\S]*?\n(?=\S)/m, 'rtspTransports: [tcp]\n')
      .replace(/^rt[c]?pAddress: .*\n/gm, '');
    assert.match(conf, new RegExp(`^apiAddress: 127.0.0.1:${api}$`, 'm'));
    writeFileSync(join(dir, 'mediamtx.yml'), conf);
    const proc = spawn(join(dest, 'usr/local/bin/mediamtx'), [join(dir, 'mediamtx.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    let exitCode: number | null | undefined;
    void exited.then((c) => (exitCode = c));
    try {
      await until(
        async () => {
          assert.equal(exitCode, undefined, 'MediaMTX keeps running with the installed configuration');
          return fetch(`http://127.0.0.1:${api}/v3/paths/list`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
        },
        30000,
        'the MediaMTX API',
      );
    } finally {
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('systemd-analyze verify passes on the installed mediamtx.service (binary rebased into DESTDIR)', { skip: noAnalyze }, () => {
    const r = verifyUnit(join(dest, 'etc/systemd/system/mediamtx.service'), [['ExecStart=/usr/local/bin/mediamtx ', `ExecStart=${join(dest, 'usr/local/bin/mediamtx')} `]]);
    assert.equal(r.status, 0, r.output);
  });
});

describe('uninstall.sh', () => {
  it('removes the installation and keeps configuration, recordings and snapshots; --purge removes those too', () => {
    const dest = mkdtempSync(join(tmpdir(), 'destdir-un-'));
    try {
      install(dest, '--external-mediamtx');
      // What a running service would have produced.
      const recording = join(dest, 'var/lib/camera-service/recordings/camera0/2026-01-15_14-30-00.mp4');
      const snapshot = join(dest, 'var/lib/camera-service/snapshots/camera0_2026-01-15T14-30-00Z.jpg');
      mkdirSync(join(recording, '..'), { recursive: true });
      mkdirSync(join(snapshot, '..'), { recursive: true });
      writeFileSync(recording, 'video');
      writeFileSync(snapshot, 'image');
      const configBefore = readFileSync(join(dest, 'etc/camera-service/config.yaml'), 'utf8');

      const r = run('uninstall.sh', ['--destdir', dest]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /kept \/var\/lib\/camera-service/);
      const left = tree(dest).filter((p) => !p.endsWith('/'));
      assert.deepEqual(left.sort(), [
        'etc/camera-service/config.yaml',
        'etc/mediamtx/mediamtx.yml',
        'var/lib/camera-service/recordings/camera0/2026-01-15_14-30-00.mp4',
        'var/lib/camera-service/snapshots/camera0_2026-01-15T14-30-00Z.jpg',
      ]);
      assert.equal(readFileSync(recording, 'utf8'), 'video');
      assert.equal(readFileSync(join(dest, 'etc/camera-service/config.yaml'), 'utf8'), configBefore);
      assert.ok(!existsSync(join(dest, 'etc/systemd/system/camera-service.service.d')), 'drop-in directory removed');
      for (const name of Object.keys(BIN)) assert.throws(() => lstatSync(join(dest, 'usr/local/bin', name)), /ENOENT/);

      // A reinstall finds the kept configuration.
      assert.match(install(dest), /kept the existing \/etc\/camera-service\/config\.yaml/);

      const purge = run('uninstall.sh', ['--destdir', dest, '--purge']);
      assert.equal(purge.status, 0, purge.stderr);
      assert.deepEqual(tree(dest).filter((p) => !p.endsWith('/')), [], 'nothing left but empty directories');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
