/**
 * Crash recovery, run once at start before anything records: every recording the journal
 * says was running is finalized where possible, and nothing is deleted.
 *
 * - An FFmpeg recorder that outlived a killed service (possible when the service is not run
 *   under systemd, whose control group ends them together) still holds the file open: it gets
 *   SIGTERM, so it writes its trailer, before the file is touched.
 * - Fragmented MP4: cut after the last complete fragment (a fragment whose data was only
 *   partly written is dropped); `mp4` recordings are then remuxed to a progressive MP4.
 * - Matroska: remuxed, which restores the index and duration a killed writer never wrote.
 * - A file that cannot be repaired stays as it is and is reported in the log; it is listed
 *   like any other recording.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { terminate } from '../process/stale.js';
import type { JournalEntry, RecordingJournal } from './journal.js';
import { unlinkQuiet } from './library.js';
import { probeReadable } from './probe.js';
import { recordingParts } from './recorder.js';
import { fileEndChecks, remuxInPlace } from './recording-finalize.js';

export interface RecoveredFile {
  name: string;
  actions: string[];
  playable: boolean;
}

export interface RecoveryOptions {
  journal: RecordingJournal;
  recordingsDir: string;
  snapshotsDir: string;
  ffmpegBinary: string;
  ffprobe: string;
  log: Logger;
  /** Waits for a process to exit after SIGTERM before SIGKILL (default 5000 ms). */
  writerGraceMs?: number;
}

/** Pids of other processes that have one of `paths` open. */
export function processesHolding(paths: ReadonlySet<string>): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (paths.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          pids.push(Number(pid));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return pids;
}

async function recoverEntry(e: JournalEntry, o: RecoveryOptions): Promise<RecoveredFile[]> {
  const dir = o.recordingsDir;
  await unlinkQuiet(join(dir, `${e.base}_part1.${e.ext}`)).catch(() => undefined);
  let parts = await recordingParts(dir, e.base, e.ext);
  const writers = processesHolding(new Set(parts.map((p) => join(dir, p.name))));
  if (writers.length > 0) {
    o.log.warn({ recording: e.base, pids: writers }, 'recovery: a recorder outlived the previous service; stopping it so it finalizes the file');
    await terminate(writers, o.writerGraceMs ?? 5000);
    parts = await recordingParts(dir, e.base, e.ext);
  }
  const out: RecoveredFile[] = [];
  const { finishMkv, truncateToLastFragment } = await fileEndChecks();
  for (const p of parts) {
    const path = join(dir, p.name);
    const actions: string[] = [];
    if (writers.length > 0) actions.push('stopped the recorder left running');
    let repairable = true;
    if (e.ext === 'mp4') {
      const t = truncateToLastFragment(path);
      if (!t.playable) {
        repairable = false;
        actions.push('no movie header: kept as it is');
      } else if (t.cutBytes > 0) actions.push(`dropped an incomplete fragment (${t.cutBytes} bytes) after ${t.fragments} complete ones`);
    } else {
      // Finished in place first, so the file has its duration even if the remux cannot run (disk full).
      const f = finishMkv(path);
      if (!f.playable) {
        repairable = false;
        actions.push('no complete cluster: kept as it is');
      } else if (f.cutBytes > 0 || f.edited) actions.push(`finished in place (${f.cutBytes} bytes of an incomplete cluster dropped, duration ${f.seconds ?? '?'} s)`);
    }
    const needsRemux = repairable && (e.format === 'mkv' || e.format === 'mp4');
    if (needsRemux) {
      const r = await remuxInPlace(o.ffmpegBinary, dir, path, e.format);
      actions.push(r.ok ? (e.format === 'mkv' ? 'remuxed (index and duration restored)' : 'remuxed to a progressive MP4') : `remux failed (${r.summary}): kept as it is`);
    }
    const playable = repairable && (await probeReadable(o.ffprobe, path));
    out.push({ name: p.name, actions, playable });
  }
  return out;
}

/** Finalizes what a crash left; returns what it found (also logged). */
export async function recoverRecordings(o: RecoveryOptions): Promise<RecoveredFile[]> {
  // Unusable or unsafe entries are moved aside and logged by the journal; nothing is done with them.
  const { entries } = o.journal.list(o.log);
  const all: RecoveredFile[] = [];
  for (const e of entries) {
    try {
      const files = await recoverEntry(e, o);
      for (const f of files) {
        o.log[f.playable ? 'info' : 'warn']({ recording: f.name, camera: e.camera, actions: f.actions, playable: f.playable }, 'recovery: recording left by an interrupted session');
      }
      if (files.length === 0) o.log.warn({ recording: e.base, camera: e.camera }, 'recovery: an interrupted recording left no file');
      all.push(...files);
      o.journal.remove(e.base);
    } catch (err) {
      o.log.error({ recording: e.base, err: (err as Error).message }, 'recovery failed; the journal entry stays for the next start');
    }
  }
  // Temporaries of remuxes and snapshots that a crash interrupted (originals are intact).
  for (const [dir, pattern] of [
    [o.recordingsDir, /^\.remux-/],
    [o.snapshotsDir, /^\.snap-/],
  ] as const) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (pattern.test(n)) await unlinkQuiet(join(dir, n)).catch(() => undefined);
  }
  return all;
}
