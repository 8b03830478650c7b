/**
 * The configuration schema: every key, its type, rule, default and meaning.
 * `docs/configuration.md` is generated from this file (npm run docs) and a test keeps them equal.
 */
import { t, type Infer } from '../lib/schema.js';

const port = (def: number, description: string) => t.integer({ minimum: 1, maximum: 65535, default: def, description });
const optionalPort = (def: number, description: string) =>
  t.integer({ minimum: 0, maximum: 65535, default: def, description: `${description} 0 disables it.` });

/** Most test-pattern cameras: in `test_cameras.patterns`, and known at once (config and `add_test_camera`). */
export const TEST_PATTERNS_MAX = 64;

/** One test-pattern camera: a `test_cameras.patterns` item, also the params of `add_test_camera`. */
export const testPatternSchema = t.object({
  name: t.string({ pattern: '^[A-Za-z0-9 ._-]{1,64}$' }),
  width: t.optional(t.integer({ minimum: 16, maximum: 3840 })),
  height: t.optional(t.integer({ minimum: 16, maximum: 2160 })),
  fps: t.optional(t.integer({ minimum: 1, maximum: 60 })),
  encode_live: t.optional(t.boolean()),
});

export const configSchema = t.object({
  server: t.object(
    {
      host: t.string({ minLength: 1, default: '0.0.0.0', description: 'Address the WebSocket/HTTP listener binds to.' }),
      port: t.integer({ minimum: 0, maximum: 65535, default: 8002, description: 'Port of the WebSocket/HTTP listener (0 picks a free port and logs it).' }),
      websocket_path: t.string({ pattern: '^/[A-Za-z0-9._~/-]*$', default: '/ws', description: 'HTTP path of the JSON-RPC WebSocket endpoint.' }),
      max_payload_bytes: t.integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024, description: 'Largest accepted WebSocket message; a larger one closes the connection with code 1009.' }),
      heartbeat_interval_s: t.integer({ minimum: 1, maximum: 3600, default: 30, description: 'Seconds between two WebSocket pings to the same client (the pings to all clients are spread over this interval); a client that has not answered the previous ping is disconnected.' }),
      public_host: t.string({ minLength: 1, default: 'localhost', description: 'Host name clients use to reach this machine; used to build stream URLs.' }),
      metrics_access: t.enum(['public', 'localhost', 'authenticated'] as const, {
        default: 'public',
        description: 'Who may read /metrics: anyone reaching the listener, loopback clients only, or authenticated clients (Bearer JWT or X-API-Key, viewer or above).',
      }),
      health_access: t.enum(['public', 'localhost', 'authenticated'] as const, { default: 'public', description: 'Who may read /health/live and /health/ready (same choices as metrics_access).' }),
      console: t.boolean({ default: true, description: 'Serve the operator console (a web page built into dist/console/) at /console/, with / redirecting to it. Nothing is loaded for it until a browser asks.' }),
      shutdown_timeout_ms: t.integer({ minimum: 100, maximum: 60000, default: 4000, description: 'Upper bound for a graceful shutdown after SIGTERM/SIGINT before the process exits anyway.' }),
      tls_cert_file: t.string({
        default: '',
        description: 'PEM certificate (chain) of the listener; with tls_key_file it serves https:// and wss:// only (plain requests are refused), and the managed MediaMTX serves RTSPS, HLS over HTTPS and WebRTC signalling over HTTPS with the same pair (see README, TLS). Empty: plain HTTP.',
      }),
      tls_key_file: t.string({ default: '', description: 'PEM private key of tls_cert_file; both or neither. Read at start; a change needs a restart.' }),
      download_url_lifetime_s: t.integer({
        minimum: 10,
        maximum: 7 * 86400,
        default: 900,
        description: 'Least lifetime of the signed download_url links in results (a browser opens them without an Authorization header); the expiry is rounded up to a step of a tenth of it (at most 60 s), so the links of one file issued within a step are the same and signed once. Links also end when the service restarts.',
      }),
    },
    { description: 'The JSON-RPC WebSocket server and the HTTP routes beside it.' },
  ),
  security: t.object(
    {
      jwt_secret: t.string({ minLength: 32, 'x-secret': true, description: 'HS256 secret for JSON Web Tokens; at least 32 bytes. Required.' }),
      jwt_algorithms: t.array(t.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const), {
        minItems: 1,
        uniqueItems: true,
        default: ['HS256'],
        description: 'Accepted JWT algorithms, pinned here and never taken from the token. HS* verify with jwt_secret; RS*, PS*, ES* and EdDSA with jwt_public_key_file.',
      }),
      jwt_max_lifetime_s: t.integer({
        minimum: 60,
        maximum: 10 * 366 * 86400,
        default: 30 * 86400,
        description: 'Longest token lifetime accepted (exp − iat, or exp − now without iat); longer-lived tokens and tokens issued in the future (beyond 60 s of clock skew) are refused. Also the most the token command mints.',
      }),
      jwt_public_key_file: t.string({
        default: '',
        description: 'PEM file with the public key (SPKI) or certificate that verifies asymmetric JWTs; required when jwt_algorithms lists one, and must fit each of them.',
      }),
    },
    { description: 'Authentication. API keys (`camera-service keys ...`) live in storage.state_path/api-keys.json.' },
  ),
  limits: t.object(
    {
      max_connections: t.integer({ minimum: 1, maximum: 100000, default: 1000, description: 'Open WebSocket connections at most; further upgrades are refused with HTTP 503.' }),
      max_connections_per_ip: t.integer({ minimum: 1, maximum: 100000, default: 100, description: 'Open WebSocket connections from one address at most; further upgrades are refused with HTTP 429.' }),
      allowed_origins: t.array(t.string({ minLength: 1 }), {
        default: ['*'],
        description: 'Origins (scheme://host[:port]) whose browser pages may connect; "*" allows any. A request without Origin (non-browser clients) is always allowed; others get HTTP 403.',
      }),
      requests_per_second: t.number({ minimum: 0.1, maximum: 100000, default: 50, description: 'Per-connection request rate (token bucket refill); each batch element counts. Over it: error -32040 with retry_after_ms.' }),
      request_burst: t.integer({ minimum: 1, maximum: 100000, default: 100, description: 'Per-connection burst (token bucket size).' }),
      max_unauthenticated_connections: t.integer({ minimum: 1, maximum: 100000, default: 200, description: 'Connections not (yet) authenticated at most; the rest of max_connections is reserved for authenticated ones. A newcomer finding them all taken closes (code 4001) the longest-waiting one of the address holding the most, when its own address holds fewer or that one has waited a second; else it gets HTTP 503.' }),
      max_unauthenticated_per_ip: t.integer({ minimum: 1, maximum: 100000, default: 10, description: 'Connections not (yet) authenticated from one address at most; further upgrades are refused with HTTP 429.' }),
      unauthenticated_max_message_bytes: t.integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 64 * 1024, description: 'Largest message accepted before authentication; a larger one closes the connection with code 1009.' }),
      max_batch_requests: t.integer({ minimum: 1, maximum: 100000, default: 100, description: 'Requests in one batch at most once authenticated; a larger batch answers one -32600 and none of it runs.' }),
      unauthenticated_max_batch_requests: t.integer({ minimum: 1, maximum: 1000, default: 4, description: 'Requests in one batch at most before authentication; a larger batch answers one -32600 and none of it runs.' }),
      unauthenticated_timeout_s: t.integer({ minimum: 1, maximum: 86400, default: 10, description: 'A connection that is not authenticated this long after connecting (or after losing its authentication) is closed with code 4001.' }),
      send_buffer_limit_bytes: t.integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, default: 1024 * 1024, description: 'A connection with more unsent bytes than this is a slow consumer: notifications skip it and it is closed with code 1013.' }),
    },
    { description: 'Connection and request limits of the WebSocket API.' },
  ),
  mediamtx: t.object(
    {
      managed: t.boolean({ default: true, description: 'Run MediaMTX as a child of the service (writes its config, restarts it if it dies). false: talk to an external MediaMTX at api_url.' }),
      binary: t.string({ default: '', description: 'Path of the MediaMTX binary in managed mode; empty: $MEDIAMTX_BIN, then the cache of scripts/provision-mediamtx.sh, then `mediamtx` on PATH.' }),
      api_url: t.string({ pattern: '^http://[^/]+(:[0-9]+)?/?$', default: 'http://127.0.0.1:9997', description: 'Base URL of the MediaMTX v3 API. In managed mode its port is where MediaMTX is told to listen (on 127.0.0.1).' }),
      listen_host: t.string({ default: '', description: 'Managed mode: address MediaMTX\'s media listeners (RTSP, HLS, WebRTC) bind to; empty: all interfaces.' }),
      rtsp_port: port(8554, 'RTSP port of MediaMTX. With server TLS on (managed mode) plain RTSP listens on 127.0.0.1 only, for the service\'s own FFmpeg processes.'),
      rtsps_port: port(8322, 'RTSPS port of the managed MediaMTX, served on listen_host when server.tls_cert_file is set (RTSP over TLS, media interleaved over TCP).'),
      rtp_port: optionalPort(8000, 'UDP RTP port of MediaMTX (RTCP uses the next one); managed mode. 0: RTSP over TCP only. Unused with server TLS (RTSPS carries media over TCP).'),
      hls_port: optionalPort(8888, 'HLS port of MediaMTX.'),
      webrtc_port: optionalPort(8889, 'WebRTC port of MediaMTX.'),
      webrtc_udp_port: optionalPort(8189, 'WebRTC ICE UDP port of MediaMTX; managed mode.'),
      restart_delay_ms: t.integer({ minimum: 10, maximum: 60000, default: 500, description: 'Managed mode: delay before restarting a MediaMTX that exited; it doubles (±20 % jitter) with each run shorter than a minute, up to 30 s.' }),
      health_interval_ms: t.integer({ minimum: 100, maximum: 60000, default: 1000, description: 'How often the MediaMTX API is checked for reachability and restarts.' }),
      request_timeout_ms: t.integer({ minimum: 100, maximum: 60000, default: 2000, description: 'Timeout of one MediaMTX API request.' }),
      log_level: t.enum(['error', 'warn', 'info', 'debug'] as const, { default: 'warn', description: 'Managed mode: MediaMTX log level (its lines are forwarded to the service log).' }),
      media_auth: t.enum(['token', 'none'] as const, {
        default: 'token',
        description:
          'Managed mode: who may read media (RTSP, HLS, WebRTC). token: a JWT or API key of at least the viewer role, as the RTSP password (`rtsp://any:<token>@host:8554/camera0`), `Authorization: Bearer <token>` (HLS, WHEP) or `?token=<token>`; anything else gets 401/403. none: anyone who reaches the media ports may watch every camera (closed networks only; a warning is logged at start). Publishing and the MediaMTX API are for the service only either way. External mode (managed: false): the operator configures MediaMTX\'s authentication; this key has no effect.',
      }),
    },
    { description: 'The MediaMTX media server.' },
  ),
  streaming: t.object(
    {
      default_mode: t.enum(['on_demand', 'always_on'] as const, {
        default: 'on_demand',
        description: 'on_demand: FFmpeg runs only while someone reads, records or asked start_streaming; always_on: while the camera is connected.',
      }),
      auto_close_after_s: t.integer({ minimum: 1, maximum: 86400, default: 300, description: 'A start_streaming session ends after this many seconds without RTSP/WebRTC/HLS readers.' }),
      reader_close_after_s: t.integer({ minimum: 1, maximum: 3600, default: 10, description: 'On-demand streams started by a reader stop this many seconds after the last reader left (MediaMTX runOnDemandCloseAfter).' }),
      stop_grace_ms: t.integer({ minimum: 100, maximum: 30000, default: 2000, description: 'SIGTERM to SIGKILL grace period when stopping FFmpeg.' }),
      stall_timeout_s: t.integer({ minimum: 0, maximum: 300, default: 5, description: 'Restart a publisher whose MediaMTX path received no bytes for this long (0 disables).' }),
      ffmpeg_binary: t.string({ minLength: 1, default: 'ffmpeg', description: 'FFmpeg executable.' }),
      templates_dir: t.string({ default: '', description: 'Directory of FFmpeg pipeline templates; empty: the ffmpeg-templates/ directory of the installation.' }),
      hardware_encoder: t.enum(['', 'v4l2m2m', 'vaapi'] as const, { default: '', description: 'Encode MJPEG/raw cameras with this hardware encoder instead of libx264.' }),
      overrides: t.record(
        t.object({
          mode: t.optional(t.enum(['on_demand', 'always_on'] as const)),
          template: t.optional(t.string({ pattern: '^[a-z0-9][a-z0-9-]*$' })),
        }),
        { default: {}, description: 'Per camera id (e.g. camera0): mode and/or pipeline template name.' },
      ),
    },
    { description: 'Publishing cameras to MediaMTX with supervised FFmpeg processes.' },
  ),
  test_cameras: t.object(
    {
      patterns: t.array(testPatternSchema, {
        default: [],
        maxItems: TEST_PATTERNS_MAX,
        description: 'Virtual test-pattern cameras (FFmpeg lavfi), each {name, width?=1280, height?=720, fps?=30, encode_live?=false}. Without encode_live a pre-encoded H.264 loop is replayed with stream copy (almost no CPU).',
      }),
      when_no_hardware: t.boolean({ default: false, description: 'Add one test-pattern camera named "demo" when discovery finds no V4L2 camera at start.' }),
    },
    { description: 'Virtual cameras for demos, tests and benchmarks.' },
  ),
  external_streams: t.object(
    {
      discovery_enabled: t.boolean({ default: false, description: 'Allow discover_external_streams and scheduled scans; when false they answer -32030.' }),
      scan_interval_s: t.integer({ minimum: 0, maximum: 86400, default: 0, description: 'Seconds between scheduled scans (0: on demand only); set_discovery_interval changes it at run time.' }),
      hosts: t.array(t.string({ minLength: 1, maxLength: 253 }), { default: [], maxItems: 256, description: 'Hosts to scan: names, addresses or IPv4 CIDR blocks (at most /16).' }),
      skydio_enabled: t.boolean({ default: true, description: 'Probe Skydio EO (5554 /subject) and IR (6554 /infrared) streams.' }),
      generic_enabled: t.boolean({ default: true, description: 'Probe generic RTSP streams on generic_ports × generic_paths.' }),
      generic_ports: t.array(t.integer({ minimum: 1, maximum: 65535 }), { default: [554, 8554], description: 'Ports probed for generic RTSP streams.' }),
      generic_paths: t.array(t.string({ pattern: '^/[^\\s]*$' }), { default: ['/stream', '/live', '/video'], description: 'Paths probed for generic RTSP streams.' }),
      probe_timeout_ms: t.integer({ minimum: 50, maximum: 30000, default: 1000, description: 'Deadline of one OPTIONS/DESCRIBE probe.' }),
      concurrency: t.integer({ minimum: 1, maximum: 256, default: 16, description: 'Probes in flight at once.' }),
      max_targets: t.integer({ minimum: 1, maximum: 65536, default: 4096, description: 'Upper bound of URLs one scan probes.' }),
    },
    { description: 'Network RTSP streams published through MediaMTX, and their discovery.' },
  ),
  storage: t.object(
    {
      recordings_path: t.string({ minLength: 1, default: '/var/lib/camera-service/recordings', description: 'Directory of recordings.' }),
      snapshots_path: t.string({ minLength: 1, default: '/var/lib/camera-service/snapshots', description: 'Directory of snapshots.' }),
      state_path: t.string({ minLength: 1, default: '/var/lib/camera-service/state', description: 'Directory of persistent state (camera registry, saved camera settings, API keys, retention policy, managed MediaMTX config).' }),
      low_space_percent: t.number({ minimum: 1, maximum: 100, default: 85, description: 'Usage (percent of the recordings file system) at which get_storage_info reports low_space_warning and storage.low_space is published.' }),
      min_free_bytes: t.integer({ minimum: 0, maximum: 2 ** 50, default: 1024 * 1024 * 1024, description: 'Free-space floor: below it new recordings and snapshots are refused (-32050, reason disk_full) and running recordings are stopped cleanly (FAILED, disk_full).' }),
      check_interval_ms: t.integer({ minimum: 100, maximum: 600000, default: 5000, description: 'How often free space is measured (statfs) for the floor and the low-space warning.' }),
      size_refresh_interval_s: t.integer({ minimum: 1, maximum: 86400, default: 60, description: 'How often the cached sizes of the recordings and snapshots directories are recomputed in the background.' }),
    },
    { description: 'Where files live, and disk-space protection.' },
  ),
  recording: t.object(
    {
      segment_duration_s: t.integer({ minimum: 0, maximum: 86400, default: 3600, description: 'A recording longer than this continues into numbered parts (<name>_part2.mp4, ...), cut at keyframes; 0: one file.' }),
      progress_interval_s: t.number({ minimum: 0.5, maximum: 3600, default: 5, description: 'Seconds between recording.progress events of a running recording.' }),
      start_timeout_ms: t.integer({ minimum: 1000, maximum: 120000, default: 20000, description: 'A recording that has not written a frame within this time of its start (its stream did not come, or the recorder wrote nothing) ends FAILED with reason start_failed and keeps no file; start_recording itself answers at once.' }),
    },
    { description: 'Recordings: an FFmpeg stream-copy reader of the camera\'s MediaMTX path per session (no re-encoding).' },
  ),
  snapshots: t.object(
    {
      live_tap: t.boolean({ default: true, description: 'While a camera streams, keep its latest keyframe as a JPEG (a low-rate FFmpeg reader that decodes keyframes only), so take_snapshot answers without starting FFmpeg.' }),
      quality: t.integer({ minimum: 1, maximum: 100, default: 85, description: 'JPEG quality of the live tap and the default of take_snapshot; a request with another quality or PNG runs a one-shot FFmpeg grab instead.' }),
      max_age_ms: t.integer({ minimum: 100, maximum: 600000, default: 5000, description: 'A live-tap frame older than this is not used; the snapshot waits for the next keyframe instead.' }),
      timeout_ms: t.integer({ minimum: 1000, maximum: 120000, default: 15000, description: 'Time limit of one snapshot that has to start the stream or run FFmpeg.' }),
    },
    { description: 'Snapshots (take_snapshot).' },
  ),
  retention: t.object(
    {
      cleanup_interval_s: t.integer({ minimum: 10, maximum: 604800, default: 3600, description: 'Seconds between scheduled cleanups under an enabled age or size policy.' }),
      policy_type: t.enum(['age', 'size', 'manual'] as const, { default: 'manual', description: 'Initial retention policy until set_retention_policy stores one (in state_path/retention-policy.json): age, size, or manual (only cleanup_old_files deletes).' }),
      enabled: t.boolean({ default: false, description: 'Initial policy: whether retention deletes anything.' }),
      max_age_days: t.number({ minimum: 0, maximum: 36500, default: 30, description: 'Initial policy: files older than this many days are deleted (age policy).' }),
      max_size_gb: t.number({ minimum: 0, maximum: 1000000, default: 100, description: 'Initial policy: oldest files are deleted until recordings and snapshots together fit in this many GB (size policy).' }),
    },
    { description: 'Retention of recordings and snapshots: oldest first, never a file being written.' },
  ),
  discovery: t.object(
    {
      enabled: t.boolean({ default: true, description: 'Discover V4L2 cameras (hotplug watching, probing, stable ids).' }),
      use_udev: t.enum(['auto', 'always', 'never'] as const, {
        default: 'auto',
        description: 'Hotplug events from a `udevadm monitor` child (after udev rules: permissions fixed, properties attached). auto: when udevd runs (/run/udev/control exists); never: inotify on /dev only. inotify also covers the gaps while the monitor restarts.',
      }),
      rescan_interval_s: t.integer({ minimum: 0, maximum: 3600, default: 5, description: 'Seconds between rescans of /sys/class/video4linux that repair missed events (counted in camera_service_discovery_rescan_discrepancies_total). Detection never waits for it. 0 disables.' }),
      probe_timeout_ms: t.integer({ minimum: 100, maximum: 60000, default: 5000, description: 'Time limit of one v4l2-ctl probe; the process is killed after it and the camera reported in ERROR.' }),
      forget_ids: t.array(t.string({ pattern: '^camera(0|[1-9][0-9]*)$' }), {
        default: [],
        uniqueItems: true,
        description: 'Camera ids to release at start (ids of absent cameras otherwise stay reserved forever); a released id goes to the next new camera.',
      }),
      preferred_formats: t.array(t.string({ pattern: '^[A-Za-z0-9_ -]{1,8}$' }), {
        default: ['H264', 'MJPG', 'JPEG'],
        minItems: 1,
        uniqueItems: true,
        description: 'Capture formats (fourccs) in order of preference; unlisted uncompressed formats come next, other compressed ones last.',
      }),
      max_width: t.integer({ minimum: 16, maximum: 16384, default: 1920, description: 'Largest capture width chosen by default (a camera offering only larger sizes gets its smallest).' }),
      max_height: t.integer({ minimum: 16, maximum: 16384, default: 1080, description: 'Largest capture height chosen by default.' }),
      min_fps: t.integer({ minimum: 1, maximum: 240, default: 25, description: 'Frame rate a mode must reach to be preferred; the largest size reaching it wins.' }),
    },
    { description: 'V4L2 camera discovery: hotplug watching, probing with v4l2-ctl, capture mode policy.' },
  ),
  mqtt: t.object(
    {
      url: t.string({
        pattern: '^((mqtts?|wss?)://[^\\s/]+(/[^\\s]*)?)?$',
        default: '',
        description: 'Broker URL (mqtt://host:1883, mqtts://host:8883, ws://host:9001/mqtt, wss://...). Empty: the MQTT bridge is off and its client library is never loaded.',
      }),
      client_id: t.string({ pattern: '^[A-Za-z0-9._:-]{0,128}$', default: '', description: 'MQTT client id; empty: the topic prefix with / replaced by - (camera-service-<hostname> by default). Must be unique on the broker (a second client with the same id disconnects the first).' }),
      topic_prefix: t.string({
        pattern: '^([^#+\\s/][^#+\\s]*[^#+\\s/]|[^#+\\s/])?$',
        default: '',
        description: 'Root of this host\'s topics (no wildcards, no leading or trailing /); empty: camera-service/<hostname>.',
      }),
      protocol_version: t.enum([5, 4] as const, { default: 5, description: 'MQTT protocol version: 5 (response topics, correlation data) or 4 (3.1.1; command replies go to <prefix>/replies).' }),
      username: t.string({ default: '', description: 'Broker user name; empty: none.' }),
      password: t.string({ default: '', 'x-secret': true, description: 'Broker password (never logged); prefer password_file.' }),
      password_file: t.string({ default: '', description: 'File holding the broker password (first line); overrides password.' }),
      ca_file: t.string({ default: '', description: 'PEM CA certificate(s) the broker\'s TLS certificate must chain to (mqtts://, wss://); empty: the system CAs.' }),
      cert_file: t.string({ default: '', description: 'PEM client certificate for TLS client authentication (with key_file).' }),
      key_file: t.string({ default: '', description: 'PEM private key of cert_file.' }),
      qos: t.enum([0, 1] as const, { default: 1, description: 'QoS of state, availability and event messages (commands are answered with the same QoS).' }),
      keepalive_s: t.integer({ minimum: 5, maximum: 3600, default: 30, description: 'MQTT keepalive; the broker publishes the offline Last Will about 1.5 keepalives after the host vanished.' }),
      reconnect_min_ms: t.integer({ minimum: 100, maximum: 600000, default: 500, description: 'First reconnect delay after the broker connection dropped; doubles on each failed attempt.' }),
      reconnect_max_ms: t.integer({ minimum: 100, maximum: 3600000, default: 30000, description: 'Longest reconnect delay.' }),
      queue_max: t.integer({ minimum: 0, maximum: 100000, default: 1000, description: 'Events kept while the broker is unreachable; when full the oldest is dropped (camera_service_mqtt_dropped_events_total). State and availability are republished on reconnect, not queued.' }),
      commands: t.boolean({ default: false, description: 'Accept commands on <prefix>/cameras/<id>/set/<command> (record, snapshot, stream). The broker\'s ACLs decide who may publish there; when false every command is answered with -32030.' }),
      command_token: t.string({ default: '', 'x-secret': true, description: 'Shared token every command must carry (JSON field "token" or MQTT 5 user property "token"), compared in constant time; empty: no token.' }),
      snapshot_images: t.boolean({ default: true, description: 'After a snapshot command, publish the JPEG itself (retained) on <prefix>/cameras/<id>/snapshot (files up to 8 MiB).' }),
      homeassistant: t.boolean({ default: false, description: 'Publish Home Assistant MQTT discovery: per camera a device with a camera, connected binary_sensor, recording switch and snapshot button.' }),
      homeassistant_prefix: t.string({ pattern: '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$', default: 'homeassistant', description: 'Home Assistant discovery prefix.' }),
    },
    { description: 'The MQTT bridge: availability, camera state and events on a broker, commands, Home Assistant discovery. Off unless url is set.' },
  ),
  logging: t.object(
    {
      level: t.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, { default: 'info', description: 'Log level of the JSON log on stdout.' }),
    },
    { description: 'Logging.' },
  ),
});

export type Config = Infer<typeof configSchema>;
