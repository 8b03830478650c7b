import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleFile, contentSecurityPolicy, pickEncoding } from '../../../src/console/serve.js';

test('consoleFile maps the index and hashed assets only', () => {
  assert.equal(consoleFile('/console/'), 'index.html');
  assert.equal(consoleFile('/console/index.html'), 'index.html');
  assert.equal(consoleFile('/console/assets/0123abcd4567/main.js'), 'assets/0123abcd4567/main.js');
  assert.equal(consoleFile('/console/assets/0123abcd4567/style.css'), 'assets/0123abcd4567/style.css');
  for (const bad of ['/console/main.js', '/console/assets/zz/main.js', '/console/assets/0123abcd/../x.js', '/console/assets/0123abcd/a/b.js', '/console/assets/0123abcd/main.js.br', '/console/assets/0123abcd/.hidden.js', '/console/package.json']) {
    assert.equal(consoleFile(bad), undefined, bad);
  }
});

test('pickEncoding prefers brotli, then gzip, honours q=0', () => {
  assert.equal(pickEncoding('gzip, deflate, br'), 'br');
  assert.equal(pickEncoding('gzip'), 'gzip');
  assert.equal(pickEncoding('br;q=0, gzip;q=0.5'), 'gzip');
  assert.equal(pickEncoding('identity'), undefined);
  assert.equal(pickEncoding(undefined), undefined);
  assert.equal(pickEncoding('*'), 'br');
  assert.equal(pickEncoding('*, br;q=0'), 'gzip');
});

test('the policy allows scripts from the origin only and WHEP on the WebRTC port of the page host', () => {
  const csp = contentSecurityPolicy('cam-host.lan:8002', 8889, 'localhost');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /connect-src 'self' http:\/\/localhost:8889 https:\/\/localhost:8889 http:\/\/cam-host\.lan:8889 https:\/\/cam-host\.lan:8889;/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe/);
  // WebRTC off: nothing but the origin; a Host header that is not a host name adds nothing.
  assert.match(contentSecurityPolicy('x', 0, 'localhost'), /connect-src 'self';/);
  assert.doesNotMatch(contentSecurityPolicy('evil.example; script-src *', 8889, 'localhost'), /evil/);
  assert.match(contentSecurityPolicy('[::1]:8002', 8889, 'localhost'), /http:\/\/\[::1\]:8889/);
});
