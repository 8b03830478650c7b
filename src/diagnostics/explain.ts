/** Turns gathered facts about a camera into one sentence answering "why is it not streaming?". Pure. */

export interface DiagnosticFacts {
  id: string;
  status: 'CONNECTED' | 'DISCONNECTED' | 'ERROR';
  error?: string;
  publishable: boolean;
  users: string[];
  supervisor?: { state: string; reason: string; restarts: number; running: boolean; lastExitSummary?: string; lastError?: string };
  path?: { available: boolean; readers: number };
  mediamtxUp: boolean;
  holders: { pid: number; command: string }[];
}

export function explain(f: DiagnosticFacts): string {
  if (f.status === 'DISCONNECTED') return `${f.id} is disconnected: the device is not present (unplugged, or its driver is not loaded).`;
  if (f.status === 'ERROR') return `${f.id} is in ERROR: ${f.error ?? 'the device could not be probed'}.`;
  if (!f.mediamtxUp) return `${f.id} cannot stream: MediaMTX is not reachable.`;
  if (!f.publishable) return `${f.id} is connected but cannot be published: ${f.error ?? 'no usable capture mode or pipeline'}.`;
  const sup = f.supervisor;
  if (sup && (sup.state === 'failed' || (sup.state === 'backoff' && sup.restarts > 0))) {
    const why = sup.lastError ?? sup.lastExitSummary ?? sup.reason;
    const busy = f.holders.length > 0 ? ` The device is held open by ${f.holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ')}.` : '';
    return `${f.id} is not streaming because FFmpeg keeps failing (${sup.restarts} restart${sup.restarts === 1 ? '' : 's'}): ${why}.${busy}`;
  }
  if (sup?.running && f.path?.available) return `${f.id} is streaming (${f.path.readers} reader${f.path.readers === 1 ? '' : 's'}).`;
  if (sup) return `${f.id} is starting: FFmpeg is ${sup.state} (${sup.reason}).`;
  if (f.users.length === 0) return `${f.id} is idle: it streams on demand, when a reader connects, a recording starts or start_streaming is called.`;
  return `${f.id} has users (${f.users.join(', ')}) but no publisher yet.`;
}
