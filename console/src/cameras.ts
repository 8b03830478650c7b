/** The camera grid: one tile per camera with live video (WHEP) or refreshed snapshots, updated by camera_status_update. */
import type { Camera } from '../../src/client/methods.js';
import { h } from './dom.js';
import { atLeast, fileBlobUrl, type Session } from './session.js';
import { WhepReader } from './whep.js';

const SNAPSHOT_EVERY_MS = 3000;

/** The WHEP URL of a camera on the host this page came from (MediaMTX runs beside the service). */
export function whepUrl(cam: Camera): string | undefined {
  if (!cam.streams.webrtc) return undefined;
  const u = new URL(cam.streams.webrtc);
  u.hostname = location.hostname;
  return u.href;
}

/** Live view of one camera into `box`: WebRTC first, else a snapshot every few seconds. Returns a stop function (`gone`: the camera left, its stream with it). */
export function liveView(s: Session, cam: Camera, box: HTMLElement, onLive?: () => void): (gone?: boolean) => void {
  let stopped = false;
  let reader: WhepReader | undefined;
  let timer = 0;
  let blob: string | undefined;
  const video = h('video', { muted: true, autoplay: true, playsinline: true, 'aria-label': `Live video of ${cam.name}`, 'data-camera': cam.device });
  video.muted = true;
  const img = h('img', { alt: `Latest snapshot of ${cam.name}`, 'data-camera': cam.device, hidden: true });
  const note = h('p', { class: 'note' });
  box.replaceChildren(video, img, note);

  const snapshots = async () => {
    if (stopped) return;
    if (!/^camera[0-9]+$/.test(cam.device)) return void (note.textContent = 'No live video (WebRTC unavailable)');
    try {
      let name: string | undefined;
      if (atLeast(s, 'operator')) {
        name = `console-${cam.device}.jpg`;
        await s.rpc.call('take_snapshot', { device: cam.device, filename: name });
      } else {
        const list = await s.rpc.call<{ files: { filename: string }[] }>('list_snapshots', { limit: 100 });
        name = list.files.find((f) => f.filename.startsWith(`${cam.device}_`) || f.filename === `console-${cam.device}.jpg`)?.filename;
      }
      if (name && !stopped) {
        const url = await fileBlobUrl(s, `/files/snapshots/${encodeURIComponent(name)}`);
        if (blob) URL.revokeObjectURL(blob);
        blob = url;
        img.src = url;
        note.textContent = 'Snapshot (no live video)';
      } else if (!name) note.textContent = 'No live video and no snapshot yet';
    } catch (err) {
      note.textContent = `No picture: ${(err as Error).message}`;
    }
    if (!stopped && atLeast(s, 'operator')) timer = window.setTimeout(snapshots, SNAPSHOT_EVERY_MS);
  };
  const fallback = (why: string) => {
    if (stopped) return;
    reader?.close();
    video.hidden = true;
    img.hidden = false;
    box.dataset['mode'] = 'snapshot';
    box.title = why;
    void snapshots();
  };

  const url = whepUrl(cam);
  if (cam.status !== 'CONNECTED') {
    video.hidden = true;
    note.textContent = 'Camera offline';
  } else if (!url || typeof RTCPeerConnection === 'undefined') fallback('WebRTC is off');
  else {
    reader = new WhepReader(url, s.token);
    reader.start().then(
      (stream) => {
        if (stopped) return;
        box.dataset['mode'] = 'webrtc';
        video.srcObject = stream;
        onLive?.();
        void video.play().catch(() => undefined);
      },
      (err: Error) => fallback(err.message),
    );
  }
  return (gone = false) => {
    stopped = true;
    clearTimeout(timer);
    reader?.close(gone);
    if (blob) URL.revokeObjectURL(blob);
  };
}

export function camerasPage(s: Session, root: HTMLElement, onCleanup: (fn: () => void) => void): void {
  const grid = h('div', { class: 'grid', role: 'list', 'aria-label': 'Cameras' });
  root.replaceChildren(h('h1', {}, 'Cameras'), grid);
  const tiles = new Map<string, { el: HTMLElement; stop: (gone?: boolean) => void; cam: Camera }>();

  const render = (cam: Camera) => {
    const old = tiles.get(cam.device);
    const same = old && old.cam.status === cam.status && old.cam.resolution === cam.resolution && old.cam.fps === cam.fps;
    const meta = h('p', { class: 'meta' }, `${cam.device} · ${cam.resolution || '–'} @ ${cam.fps} fps · `, h('span', { class: 'readers' }, 'readers –'));
    const head = h('div', { class: 'tile-head' }, /^camera[0-9]+$/.test(cam.device) ? h('a', { href: `#/camera/${cam.device}` }, cam.name) : h('span', {}, cam.name), h('span', { class: `status ${cam.status.toLowerCase()}` }, cam.status));
    if (same) {
      old.el.querySelector('.tile-head')!.replaceWith(head);
      old.cam = cam;
      return;
    }
    old?.stop(cam.status !== 'CONNECTED');
    const box = h('div', { class: 'view' });
    const el = h('article', { class: `tile ${cam.status.toLowerCase()}`, role: 'listitem', 'aria-label': `Camera ${cam.name}`, 'data-device': cam.device, 'data-status': cam.status }, head, box, meta);
    if (old) old.el.replaceWith(el);
    else grid.append(el);
    const readers = () =>
      /^camera[0-9]+$/.test(cam.device) &&
      void s.rpc.call<{ metrics: { readers: number } }>('get_camera_status', { device: cam.device }).then(
        (st) => (meta.querySelector('.readers')!.textContent = `readers ${st.metrics.readers}`),
        () => undefined,
      );
    // Read once now and once this page's own reader is connected (no polling).
    tiles.set(cam.device, { el, cam, stop: liveView(s, cam, box, readers) });
    readers();
  };

  onCleanup(s.rpc.on('camera_status_update', (cam: Camera) => render(cam)));
  onCleanup(() => tiles.forEach((t) => t.stop()));
  void (async () => {
    const { cameras } = await s.rpc.call<{ cameras: Camera[] }>('get_camera_list');
    cameras.forEach(render);
    // External streams added to MediaMTX (a path each) are shown too, read at page load.
    const { external_streams } = await s.rpc.call<{ external_streams: External[] }>('get_external_streams');
    const webrtc = cameras.find((c) => c.streams.webrtc)?.streams.webrtc;
    for (const e of external_streams) {
      const path = typeof e.capabilities['path'] === 'string' ? e.capabilities['path'] : undefined;
      if (!path) continue;
      render({
        device: path,
        name: `External stream ${e.name}`,
        status: e.status === 'UNAVAILABLE' ? 'DISCONNECTED' : 'CONNECTED',
        resolution: '',
        fps: 0,
        streams: { rtsp: '', hls: '', webrtc: webrtc ? new URL(`/${path}/whep`, webrtc).href : '' },
      });
    }
  })();
}

interface External { name: string; status: string; capabilities: Record<string, unknown> }
