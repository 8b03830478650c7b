import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { textFrame } from '../../../src/api/ws-frames.js';

/** ws's own frame parser, as a client receiving server frames: the reference for textFrame. */
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (o: { isServer: boolean }) => NodeJS.WritableStream & { on(e: string, f: (...a: any[]) => void): void } };

function parse(frame: Buffer): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const r = new Receiver({ isServer: false });
    r.on('message', (data: Buffer, binary: boolean) => resolve({ text: data.toString(), binary }));
    r.on('error', reject);
    r.write(frame);
  });
}

describe('textFrame (pre-built notification frames)', () => {
  for (const n of [0, 1, 125, 126, 1000, 65535, 65536, 200_000]) {
    it(`a ${n}-byte payload is one final, unmasked text frame that ws reads back`, async () => {
      const text = 'x'.repeat(n);
      const frame = textFrame(text);
      assert.equal(frame[0], 0x81, 'FIN + text opcode');
      assert.equal(frame[1]! & 0x80, 0, 'server frames are not masked');
      assert.equal(frame.length, n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
      assert.deepEqual(await parse(frame), { text, binary: false });
    });
  }

  it('length counts UTF-8 bytes, not characters', async () => {
    const text = '{"name":"Kamera Süd → Tor"}';
    const frame = textFrame(text);
    assert.equal(frame.length, 2 + Buffer.byteLength(text));
    assert.equal((await parse(frame)).text, text);
  });
});
