/** One camera: live view, mode, controls, streaming/recording/snapshot actions, diagnostics (admin). */
import type { Camera, CameraControl } from '../../src/client/methods.js';
import { liveView } from './cameras.js';
import { h } from './dom.js';
import { atLeast, fileBlobUrl, type Session } from './session.js';

interface Status extends Camera {
  metrics: { bytes_sent: number; readers: number; uptime: number };
  mode?: { format: string; width: number; height: number; fps: number; source: string };
}
interface Caps { formats: string[]; resolutions: string[]; fps_options: number[] }

export function cameraPage(s: Session, root: HTMLElement, device: string, onCleanup: (fn: () => void) => void, report: (msg: string, error?: boolean) => void): void {
  const operator = atLeast(s, 'operator');
  const view = h('div', { class: 'view large' });
  const info = h('dl', { class: 'info' });
  const modeBox = h('section', { 'aria-label': 'Mode' });
  const controlsBox = h('section', { 'aria-label': 'Controls' });
  const actions = h('section', { class: 'actions', 'aria-label': 'Actions' });
  const shot = h('div', { class: 'shot' });
  const diag = h('section', { 'aria-label': 'Diagnostics' });
  root.replaceChildren(h('h1', {}, device), view, info, actions, shot, modeBox, controlsBox, diag);
  let stopView = (_gone?: boolean) => {};
  onCleanup(() => stopView());
  let recording = false;

  const act = (label: string, method: string, params: Record<string, unknown> = {}, after?: (r: any) => void) =>
    h('button', {
      type: 'button',
      onclick: async () => {
        try {
          const r = await s.rpc.call(method, { device, ...params });
          report(`${label}: done`);
          after?.(r);
        } catch (err) {
          report(`${label}: ${(err as Error).message}`, true);
        }
      },
    }, label);

  const renderActions = () => {
    if (!operator) return actions.replaceChildren();
    actions.replaceChildren(
      act('Start streaming', 'start_streaming'),
      act('Stop streaming', 'stop_streaming'),
      recording ? act('Stop recording', 'stop_recording', {}, () => ((recording = false), renderActions())) : act('Start recording', 'start_recording', {}, () => ((recording = true), renderActions())),
      act('Take snapshot', 'take_snapshot', {}, async (r: { filename: string }) => {
        const url = await fileBlobUrl(s, `/files/snapshots/${encodeURIComponent(r.filename)}`);
        shot.replaceChildren(h('img', { src: url, alt: `Snapshot ${r.filename}` }), h('p', {}, r.filename));
      }),
    );
  };

  const load = async () => {
    const [st, caps] = await Promise.all([s.rpc.call<Status>('get_camera_status', { device }), s.rpc.call<Caps>('get_camera_capabilities', { device })]);
    root.querySelector('h1')!.textContent = `${st.name} (${device})`;
    stopView(st.status !== 'CONNECTED');
    stopView = liveView(s, st, view);
    const mode = st.mode ? `${st.mode.format} ${st.mode.width}x${st.mode.height} @ ${st.mode.fps} fps (${st.mode.source})` : '–';
    info.replaceChildren(
      ...[['Status', st.status], ['Mode', mode], ['Readers', String(st.metrics.readers)], ['Formats', caps.formats.join(', ')], ['Resolutions', caps.resolutions.join(', ')], ['Frame rates', caps.fps_options.join(', ')]].flatMap(
        ([k, v]) => [h('dt', {}, k!), h('dd', { 'data-field': k!.toLowerCase() }, v!)],
      ),
    );
    recording = await recordingNow(s, device);
    renderActions();
    if (operator) {
      const res = h('select', { 'aria-label': 'Resolution' }, ...caps.resolutions.map((r) => h('option', { value: r, selected: r === st.resolution }, r)));
      const fps = h('select', { 'aria-label': 'Frame rate' }, ...caps.fps_options.map((f) => h('option', { value: f, selected: f === st.fps }, `${f} fps`)));
      const apply = h('button', {
        type: 'button',
        onclick: async () => {
          const [w, hgt] = res.value.split('x').map(Number);
          try {
            await s.rpc.call('set_camera_mode', { device, width: w, height: hgt, fps: Number(fps.value) });
            report('Mode changed');
            await load();
          } catch (err) {
            report(`Mode: ${(err as Error).message}`, true);
          }
        },
      }, 'Apply mode');
      modeBox.replaceChildren(h('h2', {}, 'Mode'), res, fps, apply);
    } else modeBox.replaceChildren();
    await loadControls();
    if (atLeast(s, 'admin')) {
      const out = h('pre', { class: 'diag' });
      diag.replaceChildren(
        h('h2', {}, 'Diagnostics'),
        h('button', {
          type: 'button',
          onclick: async () => {
            const d = await s.rpc.call<{ summary: string }>('get_camera_diagnostics', { device });
            out.textContent = `${d.summary}\n\n${JSON.stringify(d, null, 2)}`;
          },
        }, 'Why is this camera offline?'),
        out,
      );
    }
  };

  /** The controls with the device's current values (after a refused change too, so the inputs show the truth). */
  const loadControls = async () => {
    const { controls } = await s.rpc.call<{ controls: CameraControl[] }>('get_camera_controls', { device });
    controlsBox.replaceChildren(h('h2', {}, 'Controls'), controls.length ? h('div', { class: 'controls' }, ...controls.map((c) => control(c))) : h('p', {}, 'This camera has no controls.'));
  };

  const control = (c: CameraControl) => {
    const disabled = !operator || c.flags.includes('read-only') || c.flags.includes('inactive');
    let input: HTMLElement;
    /** Shows a value in this control's input (the device's, after a refused change). */
    let show: (value: unknown) => void = () => undefined;
    const set = async (value: unknown) => {
      try {
        const r = await s.rpc.call<{ controls: Record<string, unknown> }>('set_camera_controls', { device, controls: { [c.name]: value } });
        report(`${c.label}: ${String(r.controls?.[c.name] ?? value)}`);
      } catch (err) {
        report(`${c.label}: ${(err as Error).message}`, true);
        // Only this control goes back to the device's value: the others may be in the middle of a change.
        const { controls } = await s.rpc.call<{ controls: CameraControl[] }>('get_camera_controls', { device }).catch(() => ({ controls: [] as CameraControl[] }));
        const now = controls.find((x) => x.name === c.name);
        if (now) show(now.value);
      }
    };
    if (c.type === 'bool') {
      const box = h('input', { type: 'checkbox', role: 'switch', checked: c.value === true || c.value === 1, disabled, 'aria-label': c.label, onchange: (ev: Event) => set((ev.target as HTMLInputElement).checked) }) as HTMLInputElement;
      show = (v) => (box.checked = v === true || v === 1);
      input = box;
    } else if (c.type === 'menu' || c.type === 'intmenu') {
      const select = h('select', { disabled, 'aria-label': c.label, onchange: (ev: Event) => set(Number((ev.target as HTMLSelectElement).value)) }, ...c.menu.map((m) => h('option', { value: m.index, selected: m.index === c.value }, m.label))) as HTMLSelectElement;
      show = (v) => (select.value = String(v));
      input = select;
    } else if (c.type === 'int') {
      const out = h('output', {}, String(c.value));
      const range = h('input', { type: 'range', min: Number(c.min), max: Number(c.max), step: c.step ?? 1, value: Number(c.value), disabled, 'aria-label': c.label, oninput: (ev: Event) => (out.textContent = (ev.target as HTMLInputElement).value), onchange: (ev: Event) => set(Number((ev.target as HTMLInputElement).value)) }) as HTMLInputElement;
      show = (v) => ((range.value = String(v)), (out.textContent = String(v)));
      input = h('span', {}, range, out);
    } else if (c.type === 'button') input = h('button', { type: 'button', disabled, onclick: () => set(1) }, c.label);
    else input = h('span', {}, String(c.value));
    return h('label', { class: 'control' }, h('span', {}, c.label), input);
  };

  onCleanup(s.rpc.on('camera_status_update', (cam: Camera) => cam.device === device && void load().catch((e: Error) => report(e.message, true))));
  onCleanup(s.rpc.on('recording_status_update', (r: { device: string; status: string }) => {
    if (r.device !== device) return;
    recording = r.status === 'STARTED';
    renderActions();
  }));
  load().catch((err: Error) => report(err.message, true));
}

/** Whether the camera records now: its newest recording, if any, is still being written. */
async function recordingNow(s: Session, device: string): Promise<boolean> {
  const list = await s.rpc.call<{ files: { filename: string }[] }>('list_recordings', { limit: 20 });
  const newest = list.files.find((f) => f.filename.startsWith(`${device}_`));
  if (!newest) return false;
  const info = await s.rpc.call<{ recording?: boolean }>('get_recording_info', { filename: newest.filename });
  return info.recording === true;
}
