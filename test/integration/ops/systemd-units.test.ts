/**
 * The systemd units and snippets in systemd/: the directives the operations issue asks for,
 * `systemd-analyze verify` and `systemd-analyze security --offline`, and sysusers/tmpfiles
 * applied for real to a temporary root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../../src/node-flags.js';
import { hasSystemdAnalyze, parseUnit, verifyUnit } from './unit-file.js';
import { skipUnlessPresent } from '../../helpers/required.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SYSTEMD = join(ROOT, 'systemd');
const noAnalyze = skipUnlessPresent(hasSystemdAnalyze ? false : 'needs systemd-analyze (Debian package systemd)');

function unit(name: string) {
  return parseUnit(readFileSync(join(SYSTEMD, name), 'utf8'));
}

describe('systemd units', () => {
  it('camera-service.service: Type=notify with a watchdog and the hardening of the operations issue', () => {
    const u = unit('camera-service.service');
    const s = u.get('Service')!;
    const one = (k: string) => {
      const v = s.get(k);
      assert.ok(v, `[Service] ${k}= is set`);
      return v.join(' ');
    };
    assert.equal(one('Type'), 'notify');
    assert.equal(one('NotifyAccess'), 'all', 'systemd-notify is a child process: NotifyAccess=all');
    assert.match(one('WatchdogSec'), /^\d+$/);
    assert.equal(one('ExecStart'), ['/usr/bin/node', ...NODE_FLAGS, '/opt/camera-service/dist/src/main.js', '--config', '/etc/camera-service/config.yaml'].join(' '));
    assert.equal(one('User'), 'camera-service');
    assert.equal(one('SupplementaryGroups'), 'video');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.match(one('ReadWritePaths'), /\/var\/lib\/camera-service/);
    for (const k of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome']) assert.equal(one(k), 'yes', k);
    assert.deepEqual(s.get('DeviceAllow'), ['char-video4linux rw']);
    assert.equal(one('DevicePolicy'), 'closed');
    assert.deepEqual(s.get('CapabilityBoundingSet'), [''], 'empty CapabilityBoundingSet');
    assert.equal(one('RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6 AF_NETLINK');
    assert.equal(one('KillMode'), 'control-group');
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('RestartPreventExitStatus'), '2', 'an invalid configuration (exit 2) is not restarted');
    assert.equal(s.get('MemoryDenyWriteExecute'), undefined, "V8's JIT needs W+X memory");
    assert.deepEqual(u.get('Install')?.get('WantedBy'), ['multi-user.target']);
  });

  it('mediamtx.service: the external MediaMTX, before camera-service, as the service user', () => {
    const u = unit('mediamtx.service');
    assert.deepEqual(u.get('Unit')?.get('Before'), ['camera-service.service']);
    const s = u.get('Service')!;
    assert.deepEqual(s.get('ExecStart'), ['/usr/local/bin/mediamtx /etc/mediamtx/mediamtx.yml']);
    assert.deepEqual(s.get('User'), ['camera-service']);
    assert.deepEqual(s.get('ProtectSystem'), ['strict']);
    assert.deepEqual(s.get('Restart'), ['on-failure']);
  });

  it('systemd-analyze verify passes for camera-service.service', { skip: noAnalyze }, () => {
    const r = verifyUnit(join(SYSTEMD, 'camera-service.service'), [['ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `]]);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), '', 'no warnings');
  });

  it('systemd-analyze verify passes for mediamtx.service (binary: the provisioned MediaMTX)', { skip: noAnalyze }, () => {
    const provisioned = spawnSync(join(ROOT, 'scripts', 'provision-mediamtx.sh'), { encoding: 'utf8' });
    assert.equal(provisioned.status, 0, provisioned.stderr);
    const r = verifyUnit(join(SYSTEMD, 'mediamtx.service'), [['ExecStart=/usr/local/bin/mediamtx ', `ExecStart=${provisioned.stdout.trim()} `]]);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), '', 'no warnings');
  });

  it('systemd-analyze verify rejects a broken unit (the check is real)', { skip: noAnalyze }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'units-'));
    try {
      writeFileSync(join(dir, 'broken.service'), '[Service]\nType=notify\nExecStart=/nonexistent/binary\n');
      const r = spawnSync('systemd-analyze', ['verify', join(dir, 'broken.service')], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /nonexistent/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('systemd-analyze security rates both units OK (exposure below 3.0 of 10)', { skip: noAnalyze }, (t) => {
    for (const name of ['camera-service.service', 'mediamtx.service']) {
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', '--threshold=30', join(SYSTEMD, name)], { encoding: 'utf8' });
      const level = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(r.stdout);
      assert.ok(level, r.stdout + r.stderr);
      t.diagnostic(`${name}: exposure ${level[1]} ${level[2]}`);
      assert.equal(r.status, 0, `${name}: exposure ${level[1]} is above the threshold`);
    }
  });
});

describe('sysusers.d and tmpfiles.d snippets', { skip: noAnalyze }, () => {
  it('create the camera-service user in group video, then the data directories and config permissions', () => {
    const root = mkdtempSync(join(tmpdir(), 'sysroot-'));
    try {
      mkdirSync(join(root, 'etc'));
      // A root with the host's accounts (group video exists on Debian), as on a fresh install.
      for (const f of ['passwd', 'group', 'shadow', 'gshadow']) if (existsSync(`/etc/${f}`)) copyFileSync(`/etc/${f}`, join(root, 'etc', f));
      const sysusers = spawnSync('systemd-sysusers', [`--root=${root}`, '-'], { input: readFileSync(join(SYSTEMD, 'sysusers.d', 'camera-service.conf')), encoding: 'utf8' });
      assert.equal(sysusers.status, 0, sysusers.stderr);
      const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
      const user = /^camera-service:x:(\d+):(\d+):[^:]*:\/var\/lib\/camera-service:(\S+)$/m.exec(passwd);
      assert.ok(user, passwd);
      assert.ok(Number(user[1]) < 1000, 'a system user');
      assert.match(user[3]!, /nologin/);
      const group = readFileSync(join(root, 'etc', 'group'), 'utf8');
      assert.match(group, /^video:x:\d+:(.*,)?camera-service(,.*)?$/m, 'member of video');

      mkdirSync(join(root, 'etc', 'camera-service'));
      writeFileSync(join(root, 'etc', 'camera-service', 'config.yaml'), 'security: {}\n', { mode: 0o644 });
      const tmpfiles = spawnSync('systemd-tmpfiles', [`--root=${root}`, '--create', '-'], { input: readFileSync(join(SYSTEMD, 'tmpfiles.d', 'camera-service.conf')), encoding: 'utf8' });
      assert.equal(tmpfiles.status, 0, tmpfiles.stderr);
      const uid = Number(user[1]);
      const gid = Number(user[2]);
      for (const d of ['', 'recordings', 'snapshots', 'state']) {
        const st = statSync(join(root, 'var', 'lib', 'camera-service', d));
        assert.ok(st.isDirectory());
        assert.equal(st.uid, uid, `${d || '/var/lib/camera-service'} owned by camera-service`);
        assert.equal(st.mode & 0o777, 0o750);
      }
      const cfg = statSync(join(root, 'etc', 'camera-service', 'config.yaml'));
      assert.equal(cfg.uid, 0, 'config owned by root');
      assert.equal(cfg.gid, gid, 'config group camera-service');
      assert.equal(cfg.mode & 0o777, 0o640, 'config not world-readable (it holds the JWT secret)');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
