/** Param and result types of the API contract (docs/contract.md), for the typed client. */

export type Role = 'viewer' | 'operator' | 'admin';
export type CameraStatus = 'CONNECTED' | 'DISCONNECTED' | 'ERROR';

export interface Camera {
  device: string;
  status: CameraStatus;
  name: string;
  resolution: string;
  fps: number;
  streams: { rtsp: string; hls: string; webrtc: string };
}

export interface FileEntry {
  filename: string;
  file_size: number;
  modified_time: string;
  download_url: string;
}

export interface FileList {
  files: FileEntry[];
  total: number;
  limit: number;
  offset: number;
}

export interface ExternalStream {
  url: string;
  type: string;
  name: string;
  status: string;
  discovered_at: string;
  last_seen: string | null;
  capabilities: Record<string, unknown>;
}

/** A V4L2 control as get_camera_controls reports it (extension beyond the contract). */
export interface CameraControl {
  name: string;
  label: string;
  type: 'int' | 'bool' | 'menu' | 'intmenu' | 'button' | 'bitmask' | 'int64' | 'string';
  /** Numbers; string length limits for strings; int64 beyond ±2^53 as decimal strings. */
  min: number | string | null;
  max: number | string | null;
  step: number | null;
  default: ControlValue | null;
  value: ControlValue | null;
  menu: { index: number; label: string }[];
  /** inactive, read-only, write-only, volatile, grabbed, update, slider, … */
  flags: string[];
  /** A saved value exists (re-applied on re-plug and restart). */
  persisted: boolean;
}

/** A control value: integer, boolean, menu index (or label when setting), string; int64 beyond ±2^53 as a decimal string. */
export type ControlValue = number | boolean | string;

/** The capture mode in use and who chose it (get_camera_status, extension). */
export interface CameraModeInUse {
  format: string;
  width: number;
  height: number;
  fps: number;
  source: 'policy' | 'operator';
}

type Device = { device: string };
type Page = { limit?: number; offset?: number };

export interface Methods {
  ping: { params: {}; result: 'pong' };
  authenticate: {
    params: { auth_token: string };
    result: { authenticated: true; role: Role; permissions: string[]; /** null: an API key that does not expire. */ expires_at: string | null; session_id: string };
  };
  get_camera_list: { params: {}; result: { cameras: Camera[]; total: number; connected: number } };
  get_camera_status: {
    params: Device;
    result: Camera & {
      metrics: { bytes_sent: number; readers: number; uptime: number };
      capabilities: { formats: string[]; resolutions: string[] };
      /** Extension: the capture mode in use and whether the policy or an operator chose it. */
      mode?: CameraModeInUse;
      /** Admins only: device nodes, identity, driver, why this mode. */
      debug?: Record<string, unknown>;
    };
  };
  get_camera_capabilities: {
    params: Device;
    result: { device: string; formats: string[]; resolutions: string[]; fps_options: number[]; frame_rates: number[]; validation_status: 'NONE' | 'DISCONNECTED' | 'CONFIRMED' };
  };
  take_snapshot: {
    params: Device & { filename?: string; format?: 'jpg' | 'jpeg' | 'png'; quality?: number };
    result: { device: string; filename: string; status: 'SUCCESS' | 'FAILED'; timestamp: string; file_size: number; file_path: string; download_url: string };
  };
  start_recording: {
    params: Device & { duration?: number; format?: 'fmp4' | 'mp4' | 'mkv' };
    result: { device: string; filename: string; status: 'RECORDING'; start_time: string; format: string; download_url: string };
  };
  stop_recording: {
    params: Device;
    result: { device: string; filename: string; status: 'STOPPED'; start_time: string; end_time: string; duration: number; file_size: number; format: string };
  };
  list_recordings: { params: Page; result: FileList };
  list_snapshots: { params: Page; result: FileList };
  get_recording_info: { params: { filename: string }; result: { filename: string; file_size: number; duration: number; created_time: string; download_url: string } };
  get_snapshot_info: { params: { filename: string }; result: { filename: string; file_size: number; created_time: string; download_url: string } };
  delete_recording: { params: { filename: string }; result: { filename: string; deleted: true; message: string } };
  delete_snapshot: { params: { filename: string }; result: { filename: string; deleted: true; message: string } };
  start_streaming: {
    params: Device;
    result: { device: string; stream_name: string; stream_url: string; status: 'STARTED'; start_time: string; auto_close_after: string; ffmpeg_command: string };
  };
  stop_streaming: {
    params: Device;
    result: { device: string; stream_name: string; status: 'STOPPED'; start_time: string; end_time: string; duration: number; stream_continues: boolean; message?: string };
  };
  get_stream_url: {
    params: Device;
    result: { device: string; stream_name: string; stream_url: string; available: boolean; active_consumers: number; stream_status: 'READY' | 'NOT_READY' | 'ERROR' };
  };
  get_stream_status: {
    params: Device;
    result: {
      device: string;
      stream_name: string;
      status: 'ACTIVE' | 'INACTIVE' | 'ERROR' | 'STARTING' | 'STOPPING';
      ready: boolean;
      ffmpeg_process: { running: boolean; pid: number | null; uptime: number };
      mediamtx_path: { exists: boolean; ready: boolean; readers: number };
      metrics: { bytes_sent: number; frames_sent: number; bitrate: number; fps: number };
      start_time: string | null;
    };
  };
  get_streams: { params: {}; result: { name: string; source: string; ready: boolean; readers: number; bytes_sent: number }[] };
  get_metrics: { params: {}; result: Record<string, unknown> };
  get_status: {
    params: {};
    result: { status: 'HEALTHY' | 'DEGRADED' | 'UNHEALTHY'; uptime: number; version: string; components: Record<string, string> };
  };
  get_system_status: {
    params: {};
    result: { status: 'starting' | 'partial' | 'ready'; message: string; available_cameras: string[]; discovery_active: boolean };
  };
  get_server_info: {
    params: {};
    result: {
      name: string;
      version: string;
      build_date: string;
      go_version: string;
      architecture: string;
      capabilities: string[];
      supported_formats: string[];
      max_cameras: number;
    };
  };
  get_storage_info: {
    params: {};
    result: { total_space: number; used_space: number; available_space: number; usage_percentage: number; recordings_size: number; snapshots_size: number; low_space_warning: boolean };
  };
  subscribe_events: { params: { topics: string[]; filters?: { device?: string } }; result: { subscribed: true; topics: string[]; filters: { device?: string } } };
  add_external_stream: {
    params: { stream_url: string; stream_name: string; stream_type?: 'generic_rtsp' | 'skydio_eo' | 'skydio_ir' };
    result: { stream_url: string; stream_name: string; stream_type: string; status: 'ADDED'; timestamp: string };
  };
  remove_external_stream: { params: { stream_url: string }; result: { stream_url: string; status: 'REMOVED'; timestamp: string } };
  get_external_streams: {
    params: {};
    result: { external_streams: ExternalStream[]; skydio_streams: ExternalStream[]; generic_streams: ExternalStream[]; total_count: number; timestamp: string };
  };
  discover_external_streams: {
    params: { skydio_enabled?: boolean; generic_enabled?: boolean; force_rescan?: boolean; include_offline?: boolean };
    result: {
      discovered_streams: ExternalStream[];
      skydio_streams: ExternalStream[];
      generic_streams: ExternalStream[];
      scan_timestamp: string;
      total_found: number;
      discovery_options: Record<string, unknown>;
      scan_duration: number;
      errors: string[];
    };
  };
  set_discovery_interval: { params: { scan_interval: number }; result: { scan_interval: number; status: 'UPDATED'; message: string; timestamp: string } };
  get_camera_diagnostics: {
    params: Device;
    result: {
      device: string;
      summary: string;
      status: CameraStatus;
      since: string;
      error: string | null;
      transitions: { at: string; from: CameraStatus | null; to: CameraStatus; reason?: string }[];
      stream: Record<string, any>;
      mediamtx_path: Record<string, unknown> | null;
      device_info: Record<string, unknown>;
      device_holders: { pid: number; command: string }[];
      usb: Record<string, unknown> | null;
      kernel_messages: { lines: string[] } | { unavailable: string };
    };
  };
  unsubscribe_events: { params: { topics?: string[] }; result: { unsubscribed: true; topics: string[] } };
  get_subscription_stats: {
    params: {};
    result: { global_stats: { total_subscriptions: number; active_clients: number; topic_counts: Record<string, number> }; client_topics: string[]; client_id: string };
  };
  /** Extension beyond the contract (admin): a test-pattern camera added at run time. */
  add_test_camera: {
    params: { name: string; width?: number; height?: number; fps?: number; encode_live?: boolean };
    result: { device: string; name: string; status: 'CONNECTED'; reconnected: boolean; resolution: string; fps: number; encode_live: boolean; event_monotonic_ms: number; timestamp: string };
  };
  /** Extension beyond the contract (admin): a test-pattern camera made DISCONNECTED. */
  remove_test_camera: {
    params: { name: string } | { device: string };
    result: { device: string; name: string; status: 'DISCONNECTED'; event_monotonic_ms: number; timestamp: string };
  };
  /** Extension beyond the contract (viewer): every V4L2 control of a connected camera (test patterns: none). */
  get_camera_controls: { params: Device; result: { device: string; controls: CameraControl[] } };
  /** Extension beyond the contract (operator): all or nothing; -32602 with data.details per control. */
  set_camera_controls: {
    params: Device & { controls: Record<string, ControlValue>; persist?: boolean };
    result: { device: string; controls: Record<string, ControlValue | null>; persisted: boolean };
  };
  /** Extension beyond the contract (operator): device defaults, saved values forgotten. */
  reset_camera_controls: { params: Device & { names?: string[] }; result: { device: string; controls: Record<string, ControlValue | null>; skipped: string[] } };
  /** Extension beyond the contract (operator): the capture mode at run time (refused while recording). */
  set_camera_mode: {
    params: Device & { format?: string; width: number; height: number; fps: number; persist?: boolean };
    result: { device: string; format: string; width: number; height: number; fps: number; source: 'operator'; persisted: boolean };
  };
  /** Extension beyond the contract (operator): back to the mode policy's choice. */
  reset_camera_mode: { params: Device; result: { device: string; format: string; width: number; height: number; fps: number; source: 'policy' } };
  /** The OpenRPC document (also GET /openrpc.json). */
  'rpc.discover': { params: {}; result: { openrpc: string; info: { title: string; version: string }; methods: { name: string; summary: string }[] } & Record<string, unknown> };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];
