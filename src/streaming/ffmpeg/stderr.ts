/**
 * Classification of FFmpeg's stderr lines into short reason codes. Pure. Patterns come from
 * real FFmpeg 5.1 output recorded in test/fixtures/ffmpeg/ (host/ and vivid/).
 */

export const FFMPEG_ERROR_CODES = [
  'device_busy',
  'no_device',
  'permission_denied',
  'stream_not_found',
  'unauthorized',
  'dns_failure',
  'connection_refused',
  'timeout',
  'network_unreachable',
  'connection_lost',
  'codec_not_found',
  'bad_option',
  'format_unsupported',
  'no_such_file',
  'invalid_data',
  'invalid_argument',
  'io_error',
] as const;
export type FfmpegErrorCode = (typeof FFMPEG_ERROR_CODES)[number];

/** Rules in priority order: when several lines match, the earliest rule wins (most specific). */
const RULES: readonly (readonly [FfmpegErrorCode, RegExp, string])[] = [
  ['device_busy', /Device or resource busy/, 'the device is busy (opened by another process)'],
  ['no_device', /No such device/, 'the device is gone (unplugged or driver unbound)'],
  ['permission_denied', /Permission denied|Operation not permitted/, 'permission denied'],
  ['stream_not_found', /\b404 Not Found\b/, 'the RTSP server has no such stream (404)'],
  ['unauthorized', /\b401 Unauthorized\b/, 'the RTSP server refused the credentials (401)'],
  ['dns_failure', /Failed to resolve hostname|Name or service not known|Temporary failure in name resolution/, 'host name could not be resolved'],
  ['connection_refused', /Connection refused/, 'connection refused'],
  ['timeout', /timed out/i, 'connection timed out'],
  ['network_unreachable', /No route to host|Network is unreachable/, 'network unreachable'],
  ['connection_lost', /Broken pipe|Connection reset by peer|End of file/, 'the connection was closed by the other side'],
  ['codec_not_found', /Unknown encoder|Unknown decoder|Encoder \S+ not found|Decoder \S+ not found/, 'codec not available in this FFmpeg'],
  ['bad_option', /Unrecognized option|Option not found|Error splitting the argument list|Invalid option/, 'FFmpeg rejected an option of the pipeline'],
  ['format_unsupported', /Cannot find a proper format|The V4L2 driver changed the|Unknown input format/, 'the device does not offer the requested format'],
  ['no_such_file', /No such file or directory/, 'no such file or device node'],
  ['invalid_data', /Invalid data found when processing input/, 'invalid data in the input'],
  ['invalid_argument', /Invalid argument/, 'invalid argument (often an unsupported size or rate)'],
  ['io_error', /Input\/output error/, 'input/output error'],
];

/** Codes that a restart cannot fix (the pipeline or FFmpeg build must change). */
const PERMANENT: ReadonlySet<FfmpegErrorCode> = new Set(['codec_not_found', 'bad_option', 'format_unsupported']);

export interface ClassifiedError {
  code: FfmpegErrorCode;
  /** The stderr line that gave the code. */
  line: string;
}

/** The code of one stderr line, or undefined when it is not a recognized error. */
export function classifyStderrLine(line: string): FfmpegErrorCode | undefined {
  for (const [code, re] of RULES) if (re.test(line)) return code;
  return undefined;
}

/** The most specific error among a process's last stderr lines, or undefined. */
export function classifyStderr(lines: readonly string[]): ClassifiedError | undefined {
  let best: { rank: number; error: ClassifiedError } | undefined;
  for (const line of lines) {
    const rank = RULES.findIndex(([, re]) => re.test(line));
    if (rank >= 0 && (best === undefined || rank < best.rank)) best = { rank, error: { code: RULES[rank]![0], line } };
  }
  return best?.error;
}

export function isPermanentError(code: FfmpegErrorCode): boolean {
  return PERMANENT.has(code);
}

export function describeError(code: FfmpegErrorCode): string {
  return RULES.find(([c]) => c === code)![2];
}
