import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { renderConfigReference } from '../../../src/config/reference.js';

const SECRET = 'a'.repeat(32);
const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
function file(text: string): string {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('configuration loading', () => {
  it('fills every default around the required secret', () => {
    const r = loadConfig(undefined, { CAMERA_SERVICE_SECURITY_JWT_SECRET: SECRET });
    assert.ok(r.ok);
    assert.equal(r.config.server.port, 8002);
    assert.equal(r.config.server.websocket_path, '/ws');
    assert.equal(r.config.mediamtx.managed, true);
    assert.equal(r.config.mediamtx.rtsp_port, 8554);
    assert.equal(r.config.logging.level, 'info');
  });

  it('applies the file, then environment overrides', () => {
    const f = file(`server:\n  port: 9000\n  host: 127.0.0.1\nsecurity:\n  jwt_secret: "${SECRET}"\n`);
    const r = loadConfig(f, { CAMERA_SERVICE_SERVER_PORT: '9100', CAMERA_SERVICE_MEDIAMTX_MANAGED: 'false' });
    assert.ok(r.ok);
    assert.equal(r.config.server.port, 9100);
    assert.equal(r.config.server.host, '127.0.0.1');
    assert.equal(r.config.mediamtx.managed, false);
  });

  it('refuses a missing or short secret without echoing it', () => {
    const missing = loadConfig(undefined, {});
    assert.ok(!missing.ok);
    assert.match(missing.problems.join('\n'), /security\.jwt_secret: is required/);
    const short = loadConfig(undefined, { CAMERA_SERVICE_SECURITY_JWT_SECRET: 'short-secret' });
    assert.ok(!short.ok);
    assert.match(short.problems[0]!, /^security\.jwt_secret: must be at least 32 characters long \[rule minLength:32\]$/);
  });

  it('names the key, the problem and the rule for each bad value', () => {
    const f = file(`server:\n  port: 70000\n  bogus: 1\nlogging:\n  level: loud\nsecurity:\n  jwt_secret: "${SECRET}"\n`);
    const r = loadConfig(f, { CAMERA_SERVICE_MEDIAMTX_RTSP_PORT: 'abc' });
    assert.ok(!r.ok);
    const text = r.problems.join('\n');
    assert.match(text, /server\.port: must be <= 65535 \(got 70000\) \[rule maximum:65535\]/);
    assert.match(text, /server\.bogus: is not a known field/);
    assert.match(text, /logging\.level: must be one of .* \(got "loud"\) \[rule enum\]/);
    assert.match(text, /mediamtx\.rtsp_port: environment variable CAMERA_SERVICE_MEDIAMTX_RTSP_PORT is not a number/);
  });

  it('refuses mediamtx combinations MediaMTX would refuse at start, naming the key', () => {
    const env = { CAMERA_SERVICE_SECURITY_JWT_SECRET: SECRET };
    const udp0 = loadConfig(file('mediamtx:\n  webrtc_udp_port: 0\n'), env);
    assert.ok(!udp0.ok);
    assert.match(udp0.problems.join('\n'), /^mediamtx\.webrtc_udp_port: must not be 0 while mediamtx\.webrtc_port is on/);
    assert.ok(loadConfig(file('mediamtx:\n  webrtc_udp_port: 0\n  webrtc_port: 0\n'), env).ok, 'no UDP port needed without WebRTC');
    assert.ok(loadConfig(file('mediamtx:\n  webrtc_udp_port: 0\n  managed: false\n'), env).ok, 'an external MediaMTX has its own config');
    const odd = loadConfig(file('mediamtx:\n  rtp_port: 8001\n'), env);
    assert.ok(!odd.ok);
    assert.match(odd.problems.join('\n'), /mediamtx\.rtp_port: must be even .*\(got 8001\)/);
    const clash = loadConfig(file('mediamtx:\n  hls_port: 8554\n'), env);
    assert.ok(!clash.ok);
    assert.deepEqual(clash.problems, ['mediamtx.hls_port: TCP port 8554 is also used by mediamtx.rtsp_port [rule mediamtx:distinct_ports]']);
    const apiClash = loadConfig(file('mediamtx:\n  api_url: http://127.0.0.1:8889\n'), env);
    assert.ok(!apiClash.ok);
    assert.match(apiClash.problems.join('\n'), /mediamtx\.webrtc_port: TCP port 8889 is also used by mediamtx\.api_url/);
  });

  it('an unknown CAMERA_SERVICE_* variable is an error naming the closest key; the commands\' own variables are fine', () => {
    const env = { CAMERA_SERVICE_SECURITY_JWT_SECRET: SECRET, CAMERA_SERVICE_CONFIG: '/x.yaml', CAMERA_SERVICE_TOKEN: 't', CAMERA_SERVICE_FUZZ_SEED: '1' };
    assert.ok(loadConfig(undefined, env).ok);
    const typo = loadConfig(undefined, { ...env, CAMERA_SERVICE_SERVR_PORT: '9000' });
    assert.ok(!typo.ok);
    assert.deepEqual(typo.problems, ['CAMERA_SERVICE_SERVR_PORT: unknown environment variable; did you mean CAMERA_SERVICE_SERVER_PORT (server.port)? [rule unknown]']);
    const far = loadConfig(undefined, { ...env, CAMERA_SERVICE_WHATEVER: '1' });
    assert.ok(!far.ok);
    assert.match(far.problems[0]!, /^CAMERA_SERVICE_WHATEVER: unknown environment variable; every key is listed in docs\/configuration\.md/);
  });

  it('media folders under /proc, /sys or /dev are refused', () => {
    const r = loadConfig(file(`security:\n  jwt_secret: "${SECRET}"\nstorage:\n  recordings_path: /proc/self/rec\n  snapshots_path: /sys\n`), {});
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [
      'storage.recordings_path: must not be under /proc (a kernel pseudo file system) (got "/proc/self/rec") [rule path]',
      'storage.snapshots_path: must not be under /sys (a kernel pseudo file system) (got "/sys") [rule path]',
    ]);
    assert.ok(loadConfig(file(`security:\n  jwt_secret: "${SECRET}"\nstorage:\n  recordings_path: /process/rec\n`), {}).ok, '/process is not /proc');
  });

  it('sizes are bounded: storage.min_free_bytes 1e30 is refused', () => {
    const r = loadConfig(file(`security:\n  jwt_secret: "${SECRET}"\nstorage:\n  min_free_bytes: 1e30\n`), {});
    assert.ok(!r.ok);
    assert.match(r.problems.join('\n'), /storage\.min_free_bytes: must be <= 1125899906842624/);
  });

  it('reports unreadable files and invalid YAML', () => {
    const r1 = loadConfig(join(dir, 'nope.yaml'), {});
    assert.ok(!r1.ok);
    assert.match(r1.problems[0]!, /cannot be read \(ENOENT\)/);
    const r2 = loadConfig(file('server: [unclosed'), {});
    assert.ok(!r2.ok);
    assert.match(r2.problems[0]!, /invalid YAML/);
  });

  it('docs/configuration.md is the reference generated from the schema (run npm run docs)', () => {
    const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(docs, renderConfigReference());
  });
});
