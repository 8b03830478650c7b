import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../../src/mqtt/commands.js';
import { tokenAccepted } from '../../../src/mqtt/token.js';

const b = (s: string) => Buffer.from(s);

describe('mqtt command parsing', () => {
  it('record ON/OFF in plain text or JSON, with duration and format', () => {
    assert.deepEqual(parseCommand('camera0', 'record', b('ON')), { ok: true, method: 'start_recording', params: { device: 'camera0' } });
    assert.deepEqual(parseCommand('camera0', 'record', b(' off\n')), { ok: true, method: 'stop_recording', params: { device: 'camera0' } });
    assert.deepEqual(parseCommand('camera2', 'record', b('{"state":"ON","duration":60,"format":"mkv","id":"a","token":"t"}')), {
      ok: true, method: 'start_recording', params: { device: 'camera2', duration: 60, format: 'mkv' }, id: 'a', token: 't',
    });
  });

  it('snapshot: empty, PRESS or JSON options; stream: ON/OFF/start/stop', () => {
    assert.deepEqual(parseCommand('camera0', 'snapshot', b('')), { ok: true, method: 'take_snapshot', params: { device: 'camera0' } });
    assert.deepEqual(parseCommand('camera0', 'snapshot', b('PRESS')), { ok: true, method: 'take_snapshot', params: { device: 'camera0' } });
    assert.deepEqual(parseCommand('camera0', 'snapshot', b('{"format":"png","quality":50}')), { ok: true, method: 'take_snapshot', params: { device: 'camera0', format: 'png', quality: 50 } });
    assert.deepEqual(parseCommand('camera0', 'stream', b('start')), { ok: true, method: 'start_streaming', params: { device: 'camera0' } });
    assert.deepEqual(parseCommand('camera0', 'stream', b('{"state":"OFF","id":3}')), { ok: true, method: 'stop_streaming', params: { device: 'camera0' }, id: 3 });
  });

  it('refuses what is malformed, with the param and rule named', () => {
    const cases: [string, string, Uint8Array, number, string][] = [
      ['camera0', 'explode', b('ON'), -32601, ''],
      ['../x', 'record', b('ON'), -32602, 'device'],
      ['camera0', 'record', b('MAYBE'), -32602, 'state'],
      ['camera0', 'record', b(''), -32602, 'state'],
      ['camera0', 'record', b('{"state":'), -32602, 'payload'],
      ['camera0', 'record', b('{"state":"ON","x":1}'), -32602, 'x'],
      ['camera0', 'record', b('{"state":"OFF","duration":5}'), -32602, 'duration'],
      ['camera0', 'record', b('{"state":"ON","id":{}}'), -32602, 'id'],
      ['camera0', 'record', b('{"state":"ON","token":5}'), -32602, 'token'],
      ['camera0', 'record', Buffer.from([0xc3, 0x28]), -32602, 'payload'],
      ['camera0', 'record', Buffer.alloc(5000, 0x20), -32602, 'payload'],
      ['camera0', 'snapshot', b('NOW'), -32602, 'payload'],
      ['camera0', 'stream', b('{"state":true}'), -32602, 'state'],
    ];
    for (const [camera, command, payload, code, param] of cases) {
      const r = parseCommand(camera, command, payload);
      assert.equal(r.ok, false, `${command} ${Buffer.from(payload).toString().slice(0, 30)}`);
      if (r.ok) continue;
      assert.equal(r.error.code, code);
      if (param) assert.equal(r.error.data.param, param);
      assert.equal(typeof r.error.data.reason, 'string');
    }
    const withId = parseCommand('camera0', 'record', b('{"state":"SOON","id":"r1"}'));
    assert.equal(withId.ok === false && withId.id, 'r1', 'the id is echoed with the error');
  });

  it('the command token: none configured accepts anything; otherwise exact match only', () => {
    assert.equal(tokenAccepted('', undefined), true);
    assert.equal(tokenAccepted('', 'x'), true);
    assert.equal(tokenAccepted('secret', 'secret'), true);
    assert.equal(tokenAccepted('secret', 'secreT'), false);
    assert.equal(tokenAccepted('secret', 'secret2'), false);
    assert.equal(tokenAccepted('secret', ''), false);
    assert.equal(tokenAccepted('secret', undefined), false);
  });
});
