import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { finishMkv } from '../../../src/media/mkv-finish.js';
import { assessMkv, type Edit } from '../../../src/media/mkv-repair.js';

const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);
const reader = (buf: Buffer) => (offset: number, length: number) => buf.subarray(offset, offset + length);

/** An EBML element with an 8-byte size field (or "unknown" size). */
function el(id: number, payload: Buffer | null, unknownSize = false): Buffer {
  const idBytes = Buffer.from(id.toString(16).padStart(id > 0xffffff ? 8 : id > 0xffff ? 6 : id > 0xff ? 4 : 2, '0'), 'hex');
  const size = Buffer.alloc(8);
  if (unknownSize) size.fill(0xff, 1);
  else size.writeUIntBE(payload!.length, 2, 6);
  size[0]! |= 0x01;
  return Buffer.concat([idBytes, size, payload ?? Buffer.alloc(0)]);
}
const u = (n: number, width = 2) => {
  const b = Buffer.alloc(width);
  b.writeUIntBE(n, 0, width);
  return b;
};
/** A SimpleBlock of track 1 at `rel` ms from its cluster, with a few bytes of "frame". */
const block = (rel: number) => el(0xa3, Buffer.concat([Buffer.from([0x81]), u(rel & 0xffff), Buffer.from([0x80]), Buffer.alloc(20, 7)]));
const cluster = (time: number, rels: number[]) => el(0x1f43b675, Buffer.concat([el(0xe7, u(time)), ...rels.map(block)]));
/** The 11-byte Void a writer reserves for the Duration. */
const voidOf = (n: number) => Buffer.concat([Buffer.from([0xec, 0x80 | (n - 2)]), Buffer.alloc(n - 2)]);

/** Header, Segment of unknown size, Info (scale 1 ms, Duration placeholder), Tracks, clusters. */
function unfinished(info: Buffer, ...clusters: Buffer[]): { file: Buffer; segmentData: number } {
  const ebml = el(0x1a45dfa3, Buffer.from('matroska'));
  const segHeader = el(0x18538067, null, true);
  const body = Buffer.concat([el(0x1549a966, info), el(0x1654ae6b, Buffer.alloc(16, 1)), ...clusters]);
  return { file: Buffer.concat([ebml, segHeader, body]), segmentData: ebml.length + segHeader.length };
}
const apply = (buf: Buffer, edits: Edit[], keep: number) => {
  const out = Buffer.from(buf.subarray(0, keep));
  for (const e of edits) e.bytes.copy(out, e.offset);
  return out;
};

describe('Matroska repair', () => {
  const scale1ms = el(0x2ad7b1, u(1_000_000, 3));

  it('a writer that stopped mid-cluster: the cluster is dropped, the Segment size and the Duration are written in place', () => {
    const c1 = cluster(0, [0, 40, 80]);
    const c2 = cluster(120, [0, 40]);
    const partial = cluster(200, [0, 40, 80]).subarray(0, 30);
    const { file, segmentData } = unfinished(Buffer.concat([scale1ms, voidOf(11)]), c1, c2, partial);
    const a = assessMkv(reader(file), file.length);
    assert.equal(a.playable, true);
    assert.equal(a.clusters, 2);
    assert.equal(a.keepBytes, file.length - 30, 'ends after the last complete cluster');
    assert.equal(a.seconds, 0.2, 'last frame at 160 ms plus its 40 ms interval');
    const fixed = apply(file, a.edits, a.keepBytes);
    // The Segment's size now ends it exactly, and Info holds Duration 200 (ms) where the Void was.
    assert.equal(fixed.readUIntBE(segmentData - 6, 6), fixed.length - segmentData);
    const at = fixed.indexOf(Buffer.from([0x44, 0x89, 0x88]));
    assert.ok(at > 0, 'a Duration element');
    assert.equal(fixed.readDoubleBE(at + 3), 200);
    assert.deepEqual(assessMkv(reader(fixed), fixed.length).edits, [], 'a finished file needs nothing');
  });

  it('a Duration the writer set from frames it never wrote is corrected; a larger placeholder keeps a Void for the rest', () => {
    const wrong = Buffer.alloc(8);
    wrong.writeDoubleBE(8000);
    const { file } = unfinished(Buffer.concat([scale1ms, el(0x4489, wrong)]), cluster(0, [0, 40]), cluster(80, [0, 40, 80]).subarray(0, 25));
    const a = assessMkv(reader(file), file.length);
    const fixed = apply(file, a.edits, a.keepBytes);
    assert.equal(fixed.readDoubleBE(fixed.indexOf(Buffer.from([0x44, 0x89])) + 10), 80);

    const roomy = unfinished(Buffer.concat([scale1ms, voidOf(20)]), cluster(0, [0, 40]));
    const b = assessMkv(reader(roomy.file), roomy.file.length);
    const edit = b.edits.find((e) => e.bytes[0] === 0x44)!;
    assert.equal(edit.bytes.length, 20);
    assert.deepEqual([...edit.bytes.subarray(11, 13)], [0xec, 0x80 | 7], 'a 9-byte Void after the Duration');
  });

  it('nothing playable: no header, no Tracks or no complete cluster', () => {
    assert.equal(assessMkv(reader(Buffer.alloc(100)), 100).playable, false);
    const { file } = unfinished(scale1ms, cluster(0, [0, 40]).subarray(0, 10));
    assert.equal(assessMkv(reader(file), file.length).playable, false);
    assert.equal(assessMkv(reader(Buffer.alloc(0)), 0).playable, false);
  });

  describe('on a file FFmpeg was killed while writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkv-repair-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('plays without errors afterwards, and its duration is that of the frames it holds', async () => {
      const file = join(dir, 'killed.mkv');
      const ff = spawn('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-c:v', 'libx264', '-g', '5', '-preset', 'ultrafast',
        '-f', 'matroska', '-cluster_time_limit', '500', '-flush_packets', '1', '-y', file]);
      // Killed once a few clusters are on disk.
      const clusters = () => {
        const b = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
        let n = 0;
        for (let i = b.indexOf(CLUSTER_ID); i >= 0; i = b.indexOf(CLUSTER_ID, i + 1)) n++;
        return n;
      };
      await new Promise<void>((resolve) => {
        const t = setInterval(() => clusters() >= 3 && (clearInterval(t), resolve()), 50);
      });
      ff.kill('SIGKILL');
      await new Promise((r) => ff.once('exit', r));
      const before = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).stdout.trim();
      assert.equal(before, 'N/A', 'a killed writer leaves no duration');
      const r = finishMkv(file);
      assert.equal(r.playable, true);
      const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
      const duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
      assert.ok(frames >= 5, `${frames} frames`);
      assert.equal(duration, frames / 10, 'duration = frames / fps');
      assert.equal(r.seconds, duration);
      const decode = spawnSync('ffmpeg', ['-v', 'warning', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
      assert.equal(decode.stderr.trim(), '', 'no warnings or errors when played');
      assert.deepEqual(finishMkv(file), { playable: true, cutBytes: 0, edited: false, seconds: duration }, 'finishing twice changes nothing');
    });
  });
});
