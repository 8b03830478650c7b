import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AfterReplySink } from '../../../src/api/notifications.js';

function recorder() {
  const written: string[] = [];
  return { written, sink: new AfterReplySink({ notify: (method) => (written.push(method), 3) }) };
}

describe('AfterReplySink: replies first, otherwise at once', () => {
  it('with no reply pending a notification is written at once, with its number of recipients', () => {
    const { written, sink } = recorder();
    assert.equal(sink.notify('camera_status_update', {}), 3);
    assert.deepEqual(written, ['camera_status_update']);
  });

  it('while a reply is pending notifications wait for the next turn, in order', async () => {
    const { written, sink } = recorder();
    const replied = sink.replyPending();
    assert.equal(sink.notify('a', {}), 0);
    sink.notify('b', {});
    assert.deepEqual(written, []);
    await nextTurn();
    assert.deepEqual(written, ['a', 'b']);
    replied();
  });

  it('one written at once after the reply goes after those still queued', () => {
    const { written, sink } = recorder();
    const replied = sink.replyPending();
    sink.notify('a', {});
    replied();
    sink.notify('b', {});
    assert.deepEqual(written, ['a', 'b']);
  });

  it('waits until every pending reply is written; marking one twice counts once', () => {
    const { written, sink } = recorder();
    const first = sink.replyPending();
    const second = sink.replyPending();
    first();
    first();
    sink.notify('a', {});
    assert.deepEqual(written, []);
    second();
    sink.notify('b', {});
    assert.deepEqual(written, ['a', 'b']);
  });

  it('flush writes what is queued at once', () => {
    const { written, sink } = recorder();
    sink.replyPending();
    sink.notify('a', {});
    sink.flush();
    assert.deepEqual(written, ['a']);
  });
});
