/**
 * The FFmpeg command of a recording: a stream-copy reader of the camera's MediaMTX path
 * (no re-encoding) writing MP4 or Matroska. Pure. Progress goes to stdout as `-` (publishers
 * use `pipe:1`, which tools and tests use to tell them apart).
 *
 * - MP4 (`fmp4`, and `mp4` while it is being written) is fragmented: a header without
 *   samples, then one `moof`+`mdat` fragment per keyframe, flushed to disk as written, so a
 *   crash loses at most the fragment in progress. `mp4` is remuxed to a progressive file
 *   (index at the front) once the recording ends.
 * - Matroska writes a cluster per second as it goes; after a crash or a full disk it lacks its
 *   index and duration: mkv-finish.ts writes the duration in place, the remux restores the index.
 * - With a segment length, FFmpeg's segment muxer cuts parts at keyframes with no gap:
 *   `<base>_part%d.<ext>` from 1. Part 1 is the recording's own name: the caller links
 *   `<base>_part1.<ext>` to `<base>.<ext>` before the start (see recorder.ts).
 * - No `-t`: with stream copy FFmpeg counts the frames it drops before the first keyframe
 *   against it, so a `duration` recording stops on the service's clock instead (recordings.ts).
 */
import { join } from 'node:path';
import { partName, partPattern, recordingExtension, type RecordingFormat } from './names.js';

export interface RecorderArgvOptions {
  binary: string;
  /** rtsp://127.0.0.1:8554/camera0 */
  sourceUrl: string;
  dir: string;
  base: string;
  format: RecordingFormat;
  /** Cut into parts of this length (0 or absent: one file). */
  segmentS?: number;
}

const FRAGMENTED_MP4 = '+frag_keyframe+empty_moov+default_base_moof';
/** Matroska clusters of at most a second reach the disk as written (FFmpeg's default is 5 s). */
const MKV_CLUSTER_MS = 1000;

export interface RecorderCommand {
  argv: string[];
  /** Absolute path of part 1 (the recording's name). */
  firstPart: string;
  /** When segmented: the link FFmpeg opens for part 1, pointing at `firstPart`. */
  partOneLink?: string;
}

export function recorderCommand(o: RecorderArgvOptions): RecorderCommand {
  const ext = recordingExtension(o.format);
  const muxer = ext === 'mkv' ? 'matroska' : 'mp4';
  const firstPart = join(o.dir, partName(o.base, ext, 1));
  const argv = [
    o.binary,
    ...['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', '-progress', '-', '-stats_period', '0.25'],
    ...['-fflags', '+genpts', '-analyzeduration', '1000000', '-probesize', '1000000'],
    ...['-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', o.sourceUrl],
    ...['-map', '0:v', '-map', '0:a?', '-c', 'copy'],
  ];
  if (o.segmentS && o.segmentS > 0) {
    // Options of the inner muxer go through segment_format_options; flush_packets must too,
    // or fragments sit in FFmpeg's buffer instead of on disk.
    const inner = muxer === 'mp4' ? `movflags=${FRAGMENTED_MP4}:flush_packets=1` : `flush_packets=1:cluster_time_limit=${MKV_CLUSTER_MS}`;
    argv.push(
      ...['-f', 'segment', '-segment_time', String(o.segmentS), '-segment_format', muxer, '-segment_format_options', inner],
      ...['-reset_timestamps', '1', '-segment_start_number', '1', join(o.dir, partPattern(o.base, ext))],
    );
    return { argv, firstPart, partOneLink: join(o.dir, `${o.base}_part1.${ext}`) };
  }
  argv.push('-flush_packets', '1', '-f', muxer, ...(muxer === 'mp4' ? ['-movflags', FRAGMENTED_MP4] : ['-cluster_time_limit', String(MKV_CLUSTER_MS)]), firstPart);
  return { argv, firstPart };
}

/** Remux of a finished recording in place (through `tmp`): progressive MP4 or an indexed Matroska. */
export function remuxArgv(binary: string, input: string, tmp: string, format: RecordingFormat): string[] {
  const out = format === 'mkv' ? ['-f', 'matroska'] : ['-f', 'mp4', '-movflags', '+faststart'];
  return [binary, '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', input, '-map', '0', '-c', 'copy', ...out, '-y', tmp];
}
