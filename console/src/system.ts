/** System: health and components, storage, retention (admin), external streams, version, uptime, /metrics. */
import { bytes, duration, h } from './dom.js';
import { atLeast, type Session } from './session.js';

export function systemPage(s: Session, root: HTMLElement, report: (msg: string, error?: boolean) => void): void {
  const admin = atLeast(s, 'admin');
  const health = h('section', { 'aria-label': 'Health' });
  const storage = h('section', { 'aria-label': 'Storage' });
  const retention = h('section', { 'aria-label': 'Retention' });
  const external = h('section', { 'aria-label': 'External streams' });
  root.replaceChildren(h('h1', {}, 'System'), health, storage, retention, external, h('p', {}, h('a', { href: '/metrics' }, 'Prometheus metrics (/metrics)')));
  const dl = (pairs: [string, string][]) => h('dl', { class: 'info' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k.toLowerCase() }, v)]));
  const fail = (err: Error) => report(err.message, true);

  void (async () => {
    const [info, sys] = await Promise.all([s.rpc.call('get_server_info'), s.rpc.call('get_system_status')]);
    const pairs: [string, string][] = [['Version', info.version], ['Runtime', info.go_version], ['System', `${sys.status}: ${sys.message}`]];
    if (admin) {
      const st = await s.rpc.call('get_status');
      pairs.push(['Health', st.status], ['Uptime', duration(st.uptime)], ...Object.entries(st.components as Record<string, string>).map(([k, v]): [string, string] => [k, v]));
    }
    health.replaceChildren(h('h2', {}, 'Health'), dl(pairs));
  })().catch(fail);

  if (admin) {
    void s.rpc.call('get_storage_info').then((st) => {
      storage.replaceChildren(
        h('h2', {}, 'Storage'),
        ...(st.low_space_warning ? [h('p', { class: 'warn', role: 'alert' }, st.below_floor ? 'Disk full: new recordings and snapshots are refused' : `Low space: above ${st.threshold_percent} % used`)] : []),
        dl([['Used', `${bytes(st.used_space)} of ${bytes(st.total_space)} (${st.usage_percentage.toFixed(1)} %)`], ['Available', bytes(st.available_space)], ['Recordings', bytes(st.recordings_size)], ['Snapshots', bytes(st.snapshots_size)]]),
      );
    }, fail);
    const type = h('select', { 'aria-label': 'Retention policy' }, ...['age', 'size', 'manual'].map((t) => h('option', { value: t }, t)));
    const enabled = h('input', { type: 'checkbox', role: 'switch', 'aria-label': 'Retention enabled' });
    const days = h('input', { type: 'number', min: 0, step: 1, 'aria-label': 'Maximum age (days)', placeholder: 'days' });
    const gb = h('input', { type: 'number', min: 0, step: 0.1, 'aria-label': 'Maximum size (GiB)', placeholder: 'GiB' });
    retention.replaceChildren(
      h('h2', {}, 'Retention'), type, enabled, days, gb,
      h('button', {
        type: 'button',
        onclick: async () => {
          try {
            const r = await s.rpc.call('set_retention_policy', { policy_type: type.value, enabled: enabled.checked, ...(days.value ? { max_age_days: Number(days.value) } : {}), ...(gb.value ? { max_size_gb: Number(gb.value) } : {}) });
            report(r.message);
          } catch (err) {
            fail(err as Error);
          }
        },
      }, 'Save retention policy'),
    );
  }

  const loadExternal = async () => {
    const r = await s.rpc.call<{ external_streams: { url: string; name: string; status: string }[] }>('get_external_streams');
    const url = h('input', { type: 'url', 'aria-label': 'Stream URL', placeholder: 'rtsp://…' });
    const name = h('input', { type: 'text', 'aria-label': 'Stream name', placeholder: 'name' });
    const op = atLeast(s, 'operator');
    external.replaceChildren(
      h('h2', {}, 'External streams'),
      h('ul', {}, ...r.external_streams.map((e) => h('li', {}, `${e.name} ${e.url} ${e.status} `, op ? h('button', { type: 'button', 'aria-label': `Remove ${e.name}`, onclick: () => s.rpc.call('remove_external_stream', { stream_url: e.url }).then(loadExternal, fail) }, 'Remove') : null))),
      ...(op ? [h('div', {}, url, name, h('button', { type: 'button', onclick: () => s.rpc.call('add_external_stream', { stream_url: url.value, stream_name: name.value }).then(loadExternal, fail) }, 'Add stream'))] : []),
    );
  };
  loadExternal().catch(fail);
}
