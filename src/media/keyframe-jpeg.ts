/**
 * One keyframe to one JPEG file: an FFmpeg that reads an Annex-B H.264 access unit on its
 * stdin (no probing beyond it: stdin ends after the picture) and writes one JPEG. The process
 * is started ahead, while the keyframe is still being fetched, so its start-up is not waited for.
 */
import { ManagedChild } from '../process/child-process.js';

/** Pure: the decoder's command. */
export function keyframeJpegArgv(binary: string, output: string, qscale: number): string[] {
  return [
    binary,
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'],
    ...['-f', 'h264', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0'],
    ...['-frames:v', '1', '-c:v', 'mjpeg', '-q:v', String(qscale), '-f', 'mjpeg', '-y', output],
  ];
}

export class KeyframeJpeg {
  readonly #child: ManagedChild;
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #spawnError: Error | undefined;

  constructor(argv: readonly string[]) {
    this.#child = new ManagedChild({ argv, stdin: true, keepLines: 5 });
    this.#child.on('error', (err) => (this.#spawnError = err));
    this.#child.proc.stdin?.on('error', () => undefined);
    this.#exit = this.#child.exited();
  }

  /** Writes the keyframe and resolves once the JPEG is written; rejects on failure or after `timeoutMs`. */
  async decode(annexB: Buffer, timeoutMs: number): Promise<void> {
    this.#child.proc.stdin?.end(annexB);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`the keyframe was not decoded within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const exit = await Promise.race([this.#exit, timeout]);
      if (this.#spawnError) throw this.#spawnError;
      if (exit.code !== 0) throw new Error(`the keyframe decoder failed (${exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`}): ${this.#child.lines.slice(-2).join(' | ')}`);
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
