import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { clientToken, decideMediaAccess, roleDecision, type MediaAuthRequest, type ServiceCredentials } from '../../../src/mediamtx/media-auth.js';
import { MediaAuthHook, parseRequest } from '../../../src/mediamtx/media-auth-hook.js';
import { TokenRejected } from '../../../src/api/auth/jwt.js';
import type { Logger } from '../../../src/observability/logger.js';
import { renderManagedConfig } from '../../../src/mediamtx/managed-config.js';
import { redactCredentialsInText } from '../../../src/lib/net.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';

const SECRET = 'a'.repeat(32);
function config(env: Record<string, string> = {}): Config {
  const r = loadConfig(undefined, { CAMERA_SERVICE_SECURITY_JWT_SECRET: SECRET, ...env });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

const own: ServiceCredentials = {
  publisher: { user: 'publisher', pass: 'pub-secret' },
  api: { user: 'camera-service', pass: 'api-secret' },
  reader: { user: 'camera-service-reader', pass: 'read-secret' },
};

const req = (r: Partial<MediaAuthRequest>): MediaAuthRequest => ({ ip: '127.0.0.1', user: '', password: '', token: '', action: 'read', path: 'camera0', protocol: 'rtsp', query: '', ...r });
const outcome = (r: Partial<MediaAuthRequest>) => {
  const d = decideMediaAccess(req(r), own);
  return d.kind === 'allow' ? `allow:${d.who}` : d.kind === 'verify' ? `verify:${d.token}` : `deny:${d.status}`;
};

test('decision table: action × credentials × address', () => {
  const rows: [Partial<MediaAuthRequest>, string][] = [
    // publish: the service's publisher credentials from loopback only
    [{ action: 'publish', user: 'publisher', password: 'pub-secret' }, 'allow:publisher'],
    [{ action: 'publish', user: 'publisher', password: 'pub-secret', ip: '::1' }, 'allow:publisher'],
    [{ action: 'publish', user: 'publisher', password: 'pub-secret', ip: '192.168.1.20' }, 'deny:401'],
    [{ action: 'publish' }, 'deny:401'],
    [{ action: 'publish', user: 'publisher', password: 'wrong' }, 'deny:401'],
    [{ action: 'publish', user: 'camera-service', password: 'api-secret' }, 'deny:401'],
    [{ action: 'publish', user: 'camera-service-reader', password: 'read-secret' }, 'deny:401'],
    [{ action: 'publish', token: 'a-viewer-jwt' }, 'deny:401'],
    [{ action: 'publish', user: 'any', password: 'csk_x' }, 'deny:401'],
    // api, metrics, pprof: the service's API credentials from loopback only
    [{ action: 'api', user: 'camera-service', password: 'api-secret', protocol: '' }, 'allow:api'],
    [{ action: 'metrics', user: 'camera-service', password: 'api-secret', protocol: '' }, 'allow:api'],
    [{ action: 'pprof', user: 'camera-service', password: 'api-secret', protocol: '' }, 'allow:api'],
    [{ action: 'api', user: 'camera-service', password: 'api-secret', ip: '10.0.0.5' }, 'deny:401'],
    [{ action: 'api' }, 'deny:401'],
    [{ action: 'api', token: 'an-admin-jwt' }, 'deny:401'],
    [{ action: 'api', user: 'publisher', password: 'pub-secret' }, 'deny:401'],
    // read, playback: the service's readers from loopback, else a client token to verify
    [{ user: 'camera-service-reader', password: 'read-secret' }, 'allow:reader'],
    [{ action: 'playback', user: 'camera-service-reader', password: 'read-secret' }, 'allow:reader'],
    [{ user: 'camera-service-reader', password: 'read-secret', ip: '192.168.1.20' }, 'deny:401'],
    [{ user: 'camera-service-reader', password: 'wrong' }, 'deny:401'],
    [{}, 'deny:401'],
    [{ ip: '192.168.1.20' }, 'deny:401'],
    [{ user: 'publisher', password: 'pub-secret' }, 'verify:pub-secret'],
    [{ protocol: 'webrtc', token: 'jwt-a' }, 'verify:jwt-a'],
    [{ protocol: 'hls', token: 'jwt-a', ip: '192.168.1.20' }, 'verify:jwt-a'],
    [{ user: 'any', password: 'csk_key' }, 'verify:csk_key'],
    [{ protocol: 'hls', query: 'token=jwt-q' }, 'verify:jwt-q'],
    [{ protocol: 'hls', query: 'token=a&token=b' }, 'deny:401'],
    [{ action: 'playback', token: 'jwt-a' }, 'verify:jwt-a'],
    // anything else
    [{ action: 'something-new', user: 'camera-service', password: 'api-secret' }, 'deny:403'],
  ];
  for (const [r, want] of rows) assert.equal(outcome(r), want, JSON.stringify(r));
});

test('an empty service password never matches an empty presented one', () => {
  const open: ServiceCredentials = { ...own, reader: { user: 'camera-service-reader', pass: '' } };
  assert.equal(decideMediaAccess(req({ user: 'camera-service-reader' }), open).kind, 'deny');
});

test('client token: Bearer token first, then the password, then one token query parameter', () => {
  assert.equal(clientToken(req({ token: 't', password: 'p', query: 'token=q' })), 't');
  assert.equal(clientToken(req({ password: 'p', query: 'token=q' })), 'p');
  assert.equal(clientToken(req({ query: 'x=1&token=q%2Bz' })), 'q+z');
  assert.equal(clientToken(req({ query: 'jwt=q' })), '');
});

test('role decision: any known role reads; a rejected token is 401 with its reason', () => {
  assert.deepEqual(roleDecision('viewer'), { kind: 'allow', who: 'reader' });
  assert.deepEqual(roleDecision('admin'), { kind: 'allow', who: 'reader' });
  assert.deepEqual(roleDecision(undefined, 'token expired'), { kind: 'deny', status: 401, reason: 'token expired' });
});

test('hook request body: strings only, missing fields empty, non-JSON refused', () => {
  assert.deepEqual(parseRequest('{"ip":"127.0.0.1","action":"read","id":null,"path":7}'), { ip: '127.0.0.1', user: '', password: '', token: '', action: 'read', path: '', protocol: '', query: '' });
  assert.throws(() => parseRequest('nope'), /JSON/);
  assert.throws(() => parseRequest('null'), /object/);
});

test('managed config: with the hook, MediaMTX asks it about everything and nobody reads as "any"', () => {
  const mtx = config().mediamtx;
  const doc = parse(renderManagedConfig(mtx, 'm', { user: 'camera-service', pass: 'a' }, { user: 'publisher', pass: 'p' }, undefined, 'http://mediamtx:s@127.0.0.1:1234/internal/media-auth')) as Record<string, any>;
  assert.equal(doc.authMethod, 'http');
  assert.equal(doc.authHTTPAddress, 'http://mediamtx:s@127.0.0.1:1234/internal/media-auth');
  assert.deepEqual(doc.authHTTPExclude, []);
  assert.ok(!doc.authInternalUsers.some((u: { permissions: { action: string }[] }) => u.permissions.some((p) => p.action === 'read')));
  // Without it (media_auth: none), reads stay open as before.
  const open = parse(renderManagedConfig(mtx, 'm', { user: 'camera-service', pass: 'a' }, { user: 'publisher', pass: 'p' })) as Record<string, any>;
  assert.equal(open.authMethod, undefined);
  assert.ok(open.authInternalUsers.some((u: { user: string; permissions: { action: string }[] }) => u.user === 'any' && u.permissions.some((p) => p.action === 'read')));
});

test('media_auth defaults to token', () => {
  assert.equal(config().mediamtx.media_auth, 'token');
  assert.equal(config({ CAMERA_SERVICE_MEDIAMTX_MEDIA_AUTH: 'none' }).mediamtx.media_auth, 'none');
  assert.throws(() => config({ CAMERA_SERVICE_MEDIAMTX_MEDIA_AUTH: 'open' }), /media_auth/);
});

test('credentials of URLs in child output are redacted', () => {
  assert.equal(
    redactCredentialsInText("rtsp://camera-service-reader:s3cr%2Ft@127.0.0.1:8554/camera0: Server returned 404 Not Found"),
    'rtsp://***:***@127.0.0.1:8554/camera0: Server returned 404 Not Found',
  );
  assert.equal(redactCredentialsInText("Output #0, rtsp, to 'rtsp://publisher:x@127.0.0.1:1/a':"), "Output #0, rtsp, to 'rtsp://***:***@127.0.0.1:1/a':");
  assert.equal(redactCredentialsInText('frame=1 fps=0 mail me@example.com'), 'frame=1 fps=0 mail me@example.com');
});

test('hook: an API key is verified once within 5 s, refused at once when revoked; JWTs are verified every time', async () => {
  let now = 1_000_000;
  const calls: string[] = [];
  const revoked = new Set<string>();
  const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as unknown as Logger;
  const hook = new MediaAuthHook({
    credentials: own,
    authenticate: async (token) => {
      calls.push(token);
      if (token === 'bad') throw new TokenRejected('invalid token');
      if (token.startsWith('csk_') && revoked.has('k1')) throw new TokenRejected('unknown or revoked API key');
      return token.startsWith('csk_')
        ? { userId: 'k', role: 'viewer', expiresAt: Infinity, method: 'api_key', keyId: 'k1' }
        : { userId: 'u', role: 'viewer', expiresAt: now + 60_000, method: 'jwt' };
    },
    revoked: (identity) => identity.keyId !== undefined && revoked.has(identity.keyId),
    log: silent,
    now: () => now,
  });
  const read = (password: string) => hook.decide(req({ user: 'any', password })).then((d) => d.kind);
  assert.equal(await read('csk_key'), 'allow');
  assert.equal(await read('csk_key'), 'allow');
  assert.deepEqual(calls, ['csk_key']);
  now += 5001;
  assert.equal(await read('csk_key'), 'allow');
  assert.deepEqual(calls, ['csk_key', 'csk_key']);
  revoked.add('k1'); // within the 5 s: the remembered key is not used once revoked
  assert.equal(await read('csk_key'), 'deny');
  assert.equal(await read('jwt'), 'allow');
  assert.equal(await read('jwt'), 'allow');
  assert.equal(calls.filter((c) => c === 'jwt').length, 2);
  assert.deepEqual(await hook.decide(req({ password: 'bad' })), { kind: 'deny', status: 401, reason: 'invalid token' });
});
