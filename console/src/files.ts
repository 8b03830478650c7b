/** Recordings and snapshots: newest first with paging, play/view, download, delete (operator), recordings in progress. */
import type { FileList } from '../../src/client/methods.js';
import { bytes, h } from './dom.js';
import { atLeast, fileBlobUrl, type Session } from './session.js';

const PAGE = 10;

export function filesPage(s: Session, root: HTMLElement, onCleanup: (fn: () => void) => void, report: (msg: string, error?: boolean) => void): void {
  const live = h('ul', { class: 'live', 'aria-label': 'Recordings in progress' });
  const player = h('section', { class: 'player', 'aria-label': 'Player' });
  const recordings = h('section', { 'aria-label': 'Recordings' });
  const snapshots = h('section', { 'aria-label': 'Snapshots' });
  root.replaceChildren(h('h1', {}, 'Recordings and snapshots'), live, player, recordings, snapshots);
  const blobs: string[] = [];
  onCleanup(() => blobs.forEach((b) => URL.revokeObjectURL(b)));
  const inProgress = new Map<string, string>();
  const progress = new Map<string, string>();
  const showLive = () => live.replaceChildren(...[...inProgress].map(([dev, file]) => h('li', {}, `● Recording ${dev}: ${file}${progress.has(file) ? ` (${progress.get(file)})` : ''}`)));

  const list = (kind: 'recordings' | 'snapshots', box: HTMLElement) => {
    let offset = 0;
    const load = async () => {
      const r = await s.rpc.call<FileList>(kind === 'recordings' ? 'list_recordings' : 'list_snapshots', { limit: PAGE, offset });
      if (kind === 'recordings') {
        // Files written in the last minute may be recordings in progress (started before this page opened).
        const recent = r.files.filter((f) => Date.now() - Date.parse(f.modified_time) < 60_000);
        const infos = await Promise.all(recent.map((f) => s.rpc.call<{ recording?: boolean }>('get_recording_info', { filename: f.filename }).catch(() => ({ recording: false }))));
        recent.forEach((f, i) => {
          const device = /^(camera[0-9]+)_/.exec(f.filename)?.[1];
          if (device && infos[i]!.recording && ![...inProgress.values()].includes(f.filename)) inProgress.set(device, f.filename);
        });
        showLive();
      }
      const rows = r.files.map((f) => {
        const path = `/files/${kind}/${encodeURIComponent(f.filename)}`;
        const open = async () => {
          try {
            const url = await fileBlobUrl(s, path);
            blobs.push(url);
            player.replaceChildren(
              h('h2', {}, f.filename),
              kind === 'recordings' ? h('video', { src: url, controls: true, autoplay: true, muted: true, 'aria-label': `Playing ${f.filename}` }) : h('img', { src: url, alt: f.filename }),
            );
          } catch (err) {
            report((err as Error).message, true);
          }
        };
        const download = async () => {
          const url = await fileBlobUrl(s, path);
          const a = h('a', { href: url, download: f.filename });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
        };
        const del = async () => {
          try {
            await s.rpc.call(kind === 'recordings' ? 'delete_recording' : 'delete_snapshot', { filename: f.filename });
            report(`Deleted ${f.filename}`);
            await load();
          } catch (err) {
            report((err as Error).message, true);
          }
        };
        const recordingNow = [...inProgress.values()].includes(f.filename);
        return h('tr', { 'data-file': f.filename },
          h('td', {}, f.filename, recordingNow ? ' (recording)' : ''),
          h('td', {}, bytes(f.file_size)),
          h('td', {}, new Date(f.modified_time).toLocaleString()),
          h('td', {},
            h('button', { type: 'button', onclick: open, 'aria-label': `${kind === 'recordings' ? 'Play' : 'View'} ${f.filename}` }, kind === 'recordings' ? 'Play' : 'View'),
            h('button', { type: 'button', onclick: download, 'aria-label': `Download ${f.filename}` }, 'Download'),
            atLeast(s, 'operator') && !recordingNow ? h('button', { type: 'button', onclick: del, 'aria-label': `Delete ${f.filename}` }, 'Delete') : null,
          ),
        );
      });
      const title = kind === 'recordings' ? 'Recordings' : 'Snapshots';
      box.replaceChildren(
        h('h2', {}, `${title} (${r.total})`),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Size'), h('th', {}, 'Modified'), h('th', {}, 'Actions'))), h('tbody', {}, ...rows)),
        h('div', { class: 'pager' },
          h('button', { type: 'button', disabled: offset === 0, onclick: () => ((offset = Math.max(0, offset - PAGE)), void load()), 'aria-label': `Newer ${kind}` }, 'Newer'),
          h('span', {}, r.total ? `${offset + 1}–${offset + r.files.length} of ${r.total}` : 'none'),
          h('button', { type: 'button', disabled: offset + PAGE >= r.total, onclick: () => ((offset += PAGE), void load()), 'aria-label': `Older ${kind}` }, 'Older'),
        ),
      );
    };
    return load;
  };
  const loadRecordings = list('recordings', recordings);
  const loadSnapshots = list('snapshots', snapshots);
  // Progress of recordings in progress (duration and size) while this page is open.
  void s.rpc.call('subscribe_events', { topics: ['recording.progress'] }).catch(() => undefined);
  onCleanup(() => void s.rpc.call('unsubscribe_events', { topics: ['recording.progress'] }).catch(() => undefined));
  onCleanup(s.rpc.on('recording.progress', (p: { device?: string; filename: string; duration: number; file_size: number }) => {
    if (p.device && !inProgress.has(p.device)) inProgress.set(p.device, p.filename);
    progress.set(p.filename, `${Math.round(p.duration)} s, ${bytes(p.file_size)}`);
    showLive();
  }));
  onCleanup(s.rpc.on('recording_status_update', (r: { device: string; status: string; filename: string }) => {
    if (r.status === 'STARTED') inProgress.set(r.device, r.filename);
    else (inProgress.delete(r.device), progress.delete(r.filename));
    showLive();
    void loadRecordings().catch(() => undefined);
  }));
  loadRecordings().catch((err: Error) => report(err.message, true));
  loadSnapshots().catch((err: Error) => report(err.message, true));
}
