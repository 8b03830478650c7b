import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, clientIdOf, hostPrefixOfStatus, prefixOf, topicLevel, topics } from '../../../src/mqtt/topics.js';

describe('mqtt topics', () => {
  it('default prefix and client id from the host name, made safe as one topic level', () => {
    assert.equal(prefixOf('', 'cam-host-1'), 'camera-service/cam-host-1');
    assert.equal(prefixOf('site/a/host', 'x'), 'site/a/host');
    assert.equal(topicLevel('a/b+c#d e'), 'a_b_c_d_e');
    assert.equal(topicLevel('///'), 'host');
    assert.equal(clientIdOf('', prefixOf('', 'h1')), 'camera-service-h1');
    assert.equal(clientIdOf('', 'site/a b/h2'), 'site-a-b-h2');
    assert.equal(clientIdOf('mine', 'x/y'), 'mine');
    assert.equal(clientIdOf('', 'h'.repeat(300)).length, 128);
  });

  it('builds the topic tree', () => {
    const t = topics('p/h');
    assert.deepEqual(
      [t.status, t.info, t.replies, t.state('camera0'), t.snapshot('camera0'), t.command('camera0', 'record'), t.event('camera.connected'), t.commandFilter, t.stateFilter],
      ['p/h/status', 'p/h/info', 'p/h/replies', 'p/h/cameras/camera0/state', 'p/h/cameras/camera0/snapshot', 'p/h/cameras/camera0/set/record', 'p/h/events/camera.connected', 'p/h/cameras/+/set/+', 'p/h/cameras/+/state'],
    );
  });

  it('classifies received topics', () => {
    assert.deepEqual(classify('p/h', 'p/h/cameras/camera3/set/record'), { kind: 'command', camera: 'camera3', command: 'record' });
    assert.deepEqual(classify('p/h', 'p/h/cameras/camera3/state'), { kind: 'state', camera: 'camera3' });
    for (const other of ['p/h/status', 'p/h/cameras//set/x', 'p/h/cameras/c/set/', 'p/h/cameras/c/set/a/b', 'p/hx/cameras/c/state', 'q/h/cameras/c/state']) {
      assert.deepEqual(classify('p/h', other), { kind: 'other' }, other);
    }
  });

  it('finds host prefixes from status topics under a fleet root', () => {
    assert.equal(hostPrefixOfStatus('camera-service', 'camera-service/h1/status'), 'camera-service/h1');
    assert.equal(hostPrefixOfStatus('camera-service', 'camera-service/site/h1/status'), 'camera-service/site/h1');
    assert.equal(hostPrefixOfStatus('camera-service', 'camera-service/status'), undefined);
    assert.equal(hostPrefixOfStatus('camera-service', 'other/h1/status'), undefined);
    assert.equal(hostPrefixOfStatus('camera-service', 'camera-service/h1/cameras/camera0/status'), undefined);
  });
});
