/**
 * A live JPEG tap of a streaming camera: one low-cost FFmpeg reader of the MediaMTX path
 * that decodes keyframes only (`-skip_frame nokey`) and writes each as a JPEG to its
 * stdout (multipart). The latest image stays in memory, so a snapshot of a streaming camera
 * is a file write, not an FFmpeg start. Freshness is one keyframe interval (1 s for the
 * service's own encoders; whatever the camera sends for H.264 passthrough).
 */
import { EventEmitter } from 'node:events';
import { ManagedChild } from '../process/child-process.js';
import { MpjpegParser } from './mpjpeg.js';

export interface TapFrame {
  jpeg: Buffer;
  /** Epoch ms the image arrived. */
  at: number;
}

export interface TapEvents {
  frame: [frame: TapFrame];
  exit: [summary: string];
}

/** Pure: the tap's command. Output goes to `-` (stdout), not `pipe:1`. */
export function tapArgv(binary: string, sourceUrl: string, qscale: number): string[] {
  return [
    binary,
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'],
    ...['-skip_frame', 'nokey', '-analyzeduration', '1000000', '-probesize', '1000000'],
    ...['-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', sourceUrl],
    ...['-map', '0:v:0', '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', String(qscale)],
    ...['-flush_packets', '1', '-f', 'mpjpeg', '-'],
  ];
}

export class LiveTap extends EventEmitter<TapEvents> {
  #child: ManagedChild | undefined;
  latest: TapFrame | undefined;
  readonly startedAt = Date.now();
  exited = false;

  constructor(readonly argv: string[]) {
    super();
    this.setMaxListeners(0);
  }

  start(): void {
    const child = new ManagedChild({ argv: this.argv, keepLines: 10, rawStdout: true });
    this.#child = child;
    const parser = new MpjpegParser();
    child.proc.stdout?.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = parser.push(chunk);
      } catch {
        void child.stop(500);
        return;
      }
      for (const jpeg of frames) {
        this.latest = { jpeg, at: Date.now() };
        this.emit('frame', this.latest);
      }
    });
    child.on('exit', (exit) => {
      this.exited = true;
      const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
      this.emit('exit', `${how}${child.lines.length ? `: ${child.lines.slice(-2).join(' | ')}` : ''}`);
    });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Has delivered an image: it is connected and counted among the path's readers. */
  get connected(): boolean {
    return this.latest !== undefined && !this.exited;
  }

  /** The next image (not the current one), or rejects after `timeoutMs` or when the tap ends. */
  nextFrame(timeoutMs: number): Promise<TapFrame> {
    if (this.exited) return Promise.reject(new Error('the live tap has ended'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (cleanup(), reject(new Error(`no keyframe within ${timeoutMs} ms`))), timeoutMs);
      const onFrame = (f: TapFrame) => (cleanup(), resolve(f));
      const onExit = (summary: string) => (cleanup(), reject(new Error(`the live tap ended: ${summary}`)));
      const cleanup = () => {
        clearTimeout(timer);
        this.off('frame', onFrame);
        this.off('exit', onExit);
      };
      this.on('frame', onFrame);
      this.on('exit', onExit);
    });
  }

  async stop(graceMs = 1000): Promise<void> {
    await this.#child?.stop(graceMs);
  }
}
