import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assessMp4, scanBoxes } from '../../../src/media/mp4-repair.js';

const reader = (buf: Buffer) => (offset: number, length: number) => buf.subarray(offset, offset + length);

/** A real fragmented MP4 from FFmpeg: 3 s, a keyframe (and fragment) every 0.5 s. */
function fragmented(dir: string): Buffer {
  const file = join(dir, 'f.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-t', '3', '-c:v', 'libx264', '-g', '5', '-preset', 'ultrafast',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-y', file]);
  return readFileSync(file);
}

const probeDuration = (file: string) =>
  Number(spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).stdout.trim());

describe('fragmented MP4 repair', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mp4-repair-'));
  const whole = fragmented(dir);

  it('a finished file: every box complete, 6 fragments, the fragment index at the end', () => {
    const boxes = scanBoxes(reader(whole), whole.length);
    assert.deepEqual(boxes.slice(0, 2).map((b) => b.type), ['ftyp', 'moov']);
    const a = assessMp4(boxes, whole.length);
    assert.deepEqual(a, { playable: true, fragments: 6, keepBytes: whole.length, finished: true });
  });

  it('cut anywhere (a crash): keeps exactly the complete fragments, and what is kept plays', (t) => {
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const boxes = scanBoxes(reader(whole), whole.length);
    const mdats = boxes.filter((b) => b.type === 'mdat');
    const third = mdats[2]!;
    for (const cut of [third.start + third.size, third.start + third.size + 3, third.start + third.size + 20, third.start + 10]) {
      const part = whole.subarray(0, cut);
      const a = assessMp4(scanBoxes(reader(part), part.length), part.length);
      const expectFragments = cut >= third.start + third.size ? 3 : 2;
      assert.equal(a.fragments, expectFragments, `cut at ${cut}`);
      assert.equal(a.finished, false);
      const kept = join(dir, `kept-${cut}.mp4`);
      writeFileSync(kept, part.subarray(0, a.keepBytes));
      assert.ok(Math.abs(probeDuration(kept) - expectFragments * 0.5) < 0.11, `kept ${a.keepBytes} bytes of a cut at ${cut}: ${probeDuration(kept)} s`);
    }
  });

  it('no movie header: not playable, nothing to keep', () => {
    const ftypOnly = whole.subarray(0, scanBoxes(reader(whole), whole.length)[0]!.size);
    assert.deepEqual(assessMp4(scanBoxes(reader(ftypOnly), ftypOnly.length), ftypOnly.length), { playable: false, fragments: 0, keepBytes: ftypOnly.length, finished: false });
    assert.deepEqual(scanBoxes(reader(Buffer.alloc(0)), 0), []);
    const garbage = Buffer.from('\x00\x00\x00\x02junkjunk', 'latin1');
    assert.equal(scanBoxes(reader(garbage), garbage.length).at(-1)!.complete, false);
  });
});
