/**
 * One picture to one JPEG, in memory: an FFmpeg that reads an Annex-B H.264 keyframe on its
 * stdin (no probing beyond it: stdin ends after the picture), or the first picture of a clip,
 * and writes one JPEG to its stdout. The keyframe decoder is started ahead, while the
 * keyframe is still being fetched, so its start-up is not waited for. Nothing is written to disk.
 */
import { ManagedChild } from '../process/child-process.js';

const JPEG_OUT = ['-frames:v', '1', '-c:v', 'mjpeg', '-f', 'mjpeg', 'pipe:1'];

/** Pure: the keyframe decoder's command (stdin → JPEG on stdout). */
export function keyframeJpegArgv(binary: string, qscale: number): string[] {
  return [binary, '-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-f', 'h264', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0', '-q:v', String(qscale), ...JPEG_OUT];
}

/** Pure: the command that writes a clip's first picture as a JPEG on stdout. */
export function firstPictureArgv(binary: string, clip: string, qscale: number): string[] {
  return [binary, '-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-i', clip, '-q:v', String(qscale), ...JPEG_OUT];
}

export class JpegDecoder {
  readonly #child: ManagedChild;
  readonly #out: Buffer[] = [];
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #spawnError: Error | undefined;

  constructor(argv: readonly string[], opts: { stdin: boolean }) {
    this.#child = new ManagedChild({ argv, stdin: opts.stdin, keepLines: 5, rawStdout: true });
    this.#child.on('error', (err) => (this.#spawnError = err));
    this.#child.proc.stdin?.on('error', () => undefined);
    this.#child.proc.stdout?.on('data', (chunk: Buffer) => this.#out.push(chunk));
    this.#exit = this.#child.exited();
  }

  /** Feeds `input` (when reading stdin) and resolves with the JPEG; rejects on failure or after `timeoutMs`. */
  async jpeg(input: Buffer | undefined, timeoutMs: number): Promise<Buffer> {
    if (input) this.#child.proc.stdin?.end(input);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`no picture decoded within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const exit = await Promise.race([this.#exit, timeout]);
      if (this.#spawnError) throw this.#spawnError;
      const jpeg = Buffer.concat(this.#out);
      const whole = jpeg.length > 4 && jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg.at(-2) === 0xff && jpeg.at(-1) === 0xd9;
      if (exit.code !== 0 || !whole) {
        const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
        throw new Error(`the picture was not decoded (${how}, ${jpeg.length} bytes): ${this.#child.lines.slice(-2).join(' | ')}`);
      }
      return jpeg;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process if it still runs (nothing to decode, or given up). */
  async stop(): Promise<void> {
    this.#child.proc.stdin?.destroy();
    await this.#child.stop(500);
  }
}
