/**
 * Renders the API reference (docs/api.md) from the OpenRPC document, plus the parts of the
 * contract that are not methods (transport, roles, limits, errors, close codes, topics).
 * Pure: the same document gives the same text.
 */
import type { JsonSchema } from '../lib/schema.js';
import { HEALTH_RULES } from './health/status.js';
import { TOPICS } from './notifications.js';
import type { OpenRpcDocument, OpenRpcMethod } from './openrpc.js';
import { ERROR_CATALOG } from './rpc/errors.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s}\``;

/** A one-line type: `string, matches ^camera[0-9]+$`, `array of object`, `"A" | "B"`. */
export function typeText(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeText).join(' or ');
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.map((e) => code(JSON.stringify(e))).join(' | '));
  else if (s.type === 'array') parts.push(`array of ${s.items ? typeText(s.items) : 'any'}`);
  else if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') parts.push(`map of ${typeText(s.additionalProperties)}`);
  else parts.push(s.type ?? 'any');
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`≥ ${s.minLength} chars`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.pattern !== undefined) parts.push(`matches ${code(s.pattern)}`);
  if (s.minItems !== undefined) parts.push(`≥ ${s.minItems} items`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  return parts.join(', ');
}

/** Nested bullet list of an object's fields (results). */
function fields(s: JsonSchema, indent: string, out: string[]): void {
  const target = s.type === 'array' && s.items ? s.items : s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object' ? s.additionalProperties : s;
  if (!target.properties) return;
  const required = new Set(target.required ?? []);
  for (const [name, p] of Object.entries(target.properties)) {
    const optional = required.has(name) ? '' : ', optional';
    out.push(`${indent}- ${code(name)} (${typeText(p)}${optional})${p.description ? `: ${p.description}` : ''}`);
    fields(p, `${indent}  `, out);
  }
}

function method(m: OpenRpcMethod, out: string[]): void {
  out.push(`### \`${m.name}\``, '', m.summary, '');
  if (m.description) out.push(m.description, '');
  out.push(`Role: ${m['x-required-role'] === 'none' ? 'none (works before authentication)' : `${m['x-required-role']} or above`}.`, '');
  if (m.params.length === 0) out.push('Params: none (an empty object or no `params`).', '');
  else {
    out.push('| param | type and rule | required | meaning |', '| --- | --- | --- | --- |');
    for (const p of m.params) out.push(`| ${code(p.name)} | ${cell(typeText(p.schema))} | ${p.required ? 'yes' : 'no'} | ${cell(p.description ?? '')} |`);
    out.push('');
  }
  const r = m.result.schema;
  out.push(`Result: ${typeText(r)}${r.description ? `: ${r.description}` : ''}`);
  const list: string[] = [];
  fields(r, '', list);
  out.push(...(list.length > 0 ? ['', ...list] : []), '');
  out.push(`Errors: ${m.errors.map((e) => code(String(e.code))).join(', ')}.`, '');
}

export function renderApiReference(doc: OpenRpcDocument): string {
  const out: string[] = [
    '# API reference',
    '',
    '<!-- Generated from the method registry (OpenRPC) by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'JSON-RPC 2.0 over WebSocket at `ws://<host>:<server.port><server.websocket_path>` (default `ws://<host>:8002/ws`;',
    '`wss://` when `server.tls_cert_file` is set, see the README\'s TLS section):',
    'text frames, one JSON value per frame; params are passed by name (an object). The machine-readable',
    `description of this page is the OpenRPC ${doc.openrpc} document at \`GET /openrpc.json\` and from the method`,
    '`rpc.discover`. Replies carry `metadata {processing_time_ms, server_timestamp, request_id}`.',
    'Batches (arrays) get an array of replies; requests without `id` get none.',
    '',
    '## Authentication and roles',
    '',
    '`ping`, `authenticate` and `rpc.discover` work before authentication; every other method answers',
    '`-32001` until `authenticate {auth_token}` succeeds. `auth_token` is either',
    '',
    '- a JWT (`security.jwt_algorithms`, HS256 with `security.jwt_secret` by default; RS/PS/ES/EdDSA',
    '  with `security.jwt_public_key_file`) with claims `user_id`, `role`, `exp`; or',
    '- an API key `csk_<id>_<secret>` made by `camera-service keys create --role ROLE [--label L]',
    '  [--expires-in SECONDS]` (list: `keys list`, revoke: `keys revoke ID`). Keys are stored as salted',
    '  scrypt hashes in `<storage.state_path>/api-keys.json`; a revocation ends the authentication of',
    '  open sessions using that key within a second (their next call answers `-32001`).',
    '',
    'A session stays authenticated until `expires_at` (the token\'s `exp`, the key\'s expiry, or `null`',
    'for a key that does not expire); after it, calls answer `-32001` until the client authenticates again.',
    'Roles are hierarchical: admin ⊃ operator ⊃ viewer; a call below the method\'s role answers `-32002`.',
    'HTTP routes that need credentials accept `Authorization: Bearer <jwt or key>` or `X-API-Key: <key>`',
    '(401 without valid credentials, 403 with too low a role). The `download_url` of a file in results',
    'is signed (`?exp=…&role=…&sig=…`, valid for `server.download_url_lifetime_s`): it needs no header,',
    'and a changed or expired one answers 403 with a `reason`.',
    '',
    '## Reading media (RTSP, HLS, WebRTC)',
    '',
    'The stream URLs in replies (`get_stream_url`, `streams` of `get_camera_list`, `start_streaming`)',
    'carry nobody\'s credentials. With `mediamtx.media_auth: token` (the default, managed MediaMTX) a',
    'reader presents the same JWT or API key as here, of at least the viewer role:',
    '',
    '- RTSP: as the password, any user name: `rtsp://any:<token>@<host>:8554/camera0` (RTSP Basic',
    '  authentication); or as a query parameter, `rtsp://<host>:8554/camera0?token=<token>` (FFmpeg',
    '  keeps only 127 characters of URL credentials: too few for most JWTs, enough for an API key).',
    '- HLS: `Authorization: Bearer <token>`, or `?token=<token>` on the playlist URL (players that',
    '  cannot set headers).',
    '- WebRTC (WHEP): `Authorization: Bearer <token>` on the offer (POST to the `webrtc` URL).',
    '',
    'Without credentials MediaMTX answers RTSP 401 and HTTP 401; an invalid, expired or revoked',
    'token gets 401 too. Publishing into a camera path and MediaMTX\'s own API are for the service only.',
    'With `media_auth: none` anyone who reaches the media ports may read. With an external MediaMTX',
    '(`mediamtx.managed: false`) its authentication is whatever its operator configured.',
    '',
    '## Limits',
    '',
    'Configured in the `limits` section (docs/configuration.md):',
    '',
    '- WebSocket upgrades beyond `max_connections` are refused with HTTP 503, beyond',
    '  `max_connections_per_ip` with HTTP 429 (both with `Retry-After: 1`); a browser `Origin` not in',
    '  `allowed_origins` gets HTTP 403 (requests without `Origin` are allowed).',
    '- Connections that have not authenticated yet have their own, smaller limits: at most',
    '  `max_unauthenticated_connections` in all (the rest of `max_connections` is reserved for',
    '  authenticated connections) and `max_unauthenticated_per_ip` from one address (HTTP 429 beyond).',
    '  A newcomer finding them all taken closes (4001) the longest-waiting one of the address holding the',
    '  most, when its own address holds fewer, or when that one has had a second to authenticate; otherwise',
    '  it gets HTTP 503. So a client from an address of its own gets in however many others keep the pool full.',
    '- Before authentication a message may be at most `unauthenticated_max_message_bytes` (else the',
    '  connection is closed with 1009) and a batch at most `unauthenticated_max_batch_requests` requests;',
    '  once authenticated, `max_batch_requests`. A larger batch answers one `-32600` (`id: null`) and',
    '  none of it runs.',
    '- Requests per connection: a token bucket of `request_burst` tokens refilled at `requests_per_second`;',
    '  every request counts, each element of a batch too. Over the limit the request is not run and',
    '  answers `-32040` with `data.retry_after_ms`.',
    '- Frames larger than `server.max_payload_bytes` close the connection with 1009.',
    '',
    '## Close codes',
    '',
    '| code | when |',
    '| --- | --- |',
    '| 1001 | the service is shutting down |',
    '| 1007 | a text frame that is not valid UTF-8 |',
    '| 1009 | a frame larger than `server.max_payload_bytes`, or before authentication than `limits.unauthenticated_max_message_bytes` |',
    '| 1013 | slow consumer: more than `limits.send_buffer_limit_bytes` unsent; notifications skip the connection and it is closed |',
    '| 4001 | not authenticated within `limits.unauthenticated_timeout_s` of connecting (or of losing its authentication), or displaced by a newcomer when the unauthenticated connections are all taken |',
    '',
    '## Errors',
    '',
    '`error = {code, message, data}`; `data` always has `reason`, plus the fields below.',
    '',
    '| code | message | meaning | data fields |',
    '| --- | --- | --- | --- |',
    ...ERROR_CATALOG.map((e) => `| ${e.code} | ${e.message} | ${cell(e.meaning)} | ${e.data.map(code).join(', ')} |`),
    '',
    'Internal errors (`-32603`) never carry a stack trace, a file path or a dependency\'s response; their',
    '`request_id` finds the details in the service log. Admins get `data.details` with the underlying',
    'message. For other roles, messages are cut to one line without file paths, and a dependency',
    'error\'s `detail` (`-32050`) is replaced by a generic one with a `request_id`. An invalid-params error',
    'about several items at once (`set_camera_controls`: one per control) carries `data.details`, an object',
    '`{<item>: {rule, reason}}`, for every role.',
    '',
    '## Notifications',
    '',
    'Every authenticated connection receives `camera_status_update` and `recording_status_update`.',
    '`subscribe_events {topics, filters?: {device?}}` adds notifications whose method is the topic and whose',
    'params are `{device?, timestamp, …}`. Topics:',
    '',
    TOPICS.map(code).join(', ') + '.',
    '',
    '`system_health_update` `{status, components, timestamp}` is sent to its subscribers when the result of',
    '`get_status` changes. Health rules:',
    '',
    ...HEALTH_RULES.map((r) => `- ${r}`),
    '',
    '## Methods',
    '',
    '| method | role | summary |',
    '| --- | --- | --- |',
    ...doc.methods.map((m) => `| [${code(m.name)}](#${m.name.replace(/[^a-z0-9_-]/g, '')}) | ${m['x-required-role']} | ${cell(m.summary)} |`),
    '',
  ];
  for (const m of doc.methods) method(m, out);
  return out.join('\n');
}
