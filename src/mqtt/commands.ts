/**
 * Parsing of command messages (`<prefix>/cameras/<id>/set/<command>`) into the JSON-RPC call
 * that does the same thing through the API. Pure: no I/O, never throws.
 *
 *   record    ON | OFF, or {"state": "ON"|"OFF", "duration"?: s, "format"?: "fmp4"|"mp4"|"mkv"}
 *   snapshot  empty | PRESS, or {"format"?: "jpg"|"png", "quality"?: 1-100}
 *   stream    ON | OFF | start | stop, or {"state": ...}
 *
 * A JSON payload may also carry "id" (echoed in the reply, for MQTT 3.1.1 clients that match
 * replies on <prefix>/replies) and "token" (the shared command token).
 */
import { rpcErrors, type RpcError } from '../api/rpc/errors.js';

export const COMMANDS = ['record', 'snapshot', 'stream'] as const;
export type Command = (typeof COMMANDS)[number];
export const MAX_COMMAND_BYTES = 4096;
const CAMERA_ID = /^camera[0-9]+$/;

export type RequestId = string | number;

export type Parsed =
  | { ok: true; method: string; params: Record<string, unknown>; id?: RequestId; token?: string }
  | { ok: false; error: RpcError; id?: RequestId };

const bad = (param: string, rule: string, reason: string, id?: RequestId): Parsed => ({ ok: false, error: rpcErrors.invalidParams(param, rule, reason), ...(id !== undefined ? { id } : {}) });

const ALLOWED: Record<Command, readonly string[]> = {
  record: ['state', 'duration', 'format', 'id', 'token'],
  snapshot: ['format', 'quality', 'id', 'token'],
  stream: ['state', 'id', 'token'],
};

export function parseCommand(camera: string, command: string, payload: Uint8Array): Parsed {
  if (!(COMMANDS as readonly string[]).includes(command)) {
    return { ok: false, error: rpcErrors.methodNotFound(command) };
  }
  const cmd = command as Command;
  if (!CAMERA_ID.test(camera)) return bad('device', 'pattern', `'${camera.slice(0, 64)}' is not a camera id (camera<N>)`);
  if (payload.byteLength > MAX_COMMAND_BYTES) return bad('payload', 'maxLength', `the payload is larger than ${MAX_COMMAND_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload).trim();
  } catch {
    return bad('payload', 'utf8', 'the payload is not UTF-8 text');
  }

  let fields: Record<string, unknown>;
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return bad('payload', 'json', 'the payload starts with { but is not valid JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('payload', 'json', 'the payload must be a JSON object');
    fields = json as Record<string, unknown>;
  } else {
    fields = text === '' ? {} : { state: text };
  }

  const rawId = fields.id;
  const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : undefined;
  if (rawId !== undefined && id === undefined) return bad('id', 'type', 'id must be a string or a number');
  if (typeof id === 'string' && id.length > 128) return bad('id', 'maxLength', 'id is longer than 128 characters');
  const unknown = Object.keys(fields).find((k) => !ALLOWED[cmd].includes(k) && !(cmd === 'snapshot' && k === 'state'));
  if (unknown !== undefined) return bad(unknown.slice(0, 64), 'unknown', `unknown field '${unknown.slice(0, 64)}' for ${cmd}`, id);
  if (fields.token !== undefined && typeof fields.token !== 'string') return bad('token', 'type', 'token must be a string', id);
  const token = fields.token as string | undefined;
  const extra = { ...(id !== undefined ? { id } : {}), ...(token !== undefined ? { token } : {}) };

  switch (cmd) {
    case 'record': {
      const on = onOff(fields.state);
      if (on === undefined) return bad('state', 'enum', 'record takes ON or OFF', id);
      if (!on) {
        if (fields.duration !== undefined || fields.format !== undefined) return bad(fields.duration !== undefined ? 'duration' : 'format', 'unknown', 'OFF takes no duration or format', id);
        return { ok: true, method: 'stop_recording', params: { device: camera }, ...extra };
      }
      const params: Record<string, unknown> = { device: camera };
      if (fields.duration !== undefined) params.duration = fields.duration;
      if (fields.format !== undefined) params.format = fields.format;
      return { ok: true, method: 'start_recording', params, ...extra };
    }
    case 'snapshot': {
      // Home Assistant's button sends PRESS; anything else in plain text is refused.
      if (fields.state !== undefined && !(typeof fields.state === 'string' && /^press$/i.test(fields.state) && Object.keys(fields).length === 1)) {
        return bad('payload', 'enum', 'snapshot takes an empty payload, PRESS, or a JSON object {format?, quality?}', id);
      }
      const params: Record<string, unknown> = { device: camera };
      if (fields.format !== undefined) params.format = fields.format;
      if (fields.quality !== undefined) params.quality = fields.quality;
      return { ok: true, method: 'take_snapshot', params, ...extra };
    }
    case 'stream': {
      const on = onOff(fields.state);
      if (on === undefined) return bad('state', 'enum', 'stream takes ON, OFF, start or stop', id);
      return { ok: true, method: on ? 'start_streaming' : 'stop_streaming', params: { device: camera }, ...extra };
    }
  }
}

function onOff(v: unknown): boolean | undefined {
  if (typeof v !== 'string') return undefined;
  if (/^(on|start)$/i.test(v)) return true;
  if (/^(off|stop)$/i.test(v)) return false;
  return undefined;
}
