/**
 * Path traversal attempts, shared by the unit tests (name validation, request targets) and
 * the integration tests (every file method and HTTP route against the real daemon).
 */

/** File names a client may send as a JSON-RPC `filename`: every one must be refused (-32602). */
export const BAD_NAMES: readonly { name: string; what: string }[] = [
  { name: '../x.mp4', what: 'parent directory' },
  { name: '..', what: 'dot-dot' },
  { name: '.', what: 'dot' },
  { name: '../../etc/passwd', what: 'deep parent' },
  { name: '/etc/passwd', what: 'absolute path' },
  { name: '/tmp', what: 'absolute directory' },
  { name: 'recordings/x.mp4', what: 'subdirectory' },
  { name: '..\\..\\windows\\win.ini', what: 'backslash parent' },
  { name: 'C:\\x.mp4', what: 'drive path' },
  { name: 'x\u0000.mp4', what: 'NUL' },
  { name: '..%2f..%2fetc%2fpasswd', what: 'encoded slash' },
  { name: '%2e%2e%5cx.mp4', what: 'encoded backslash' },
  { name: 'x%00.mp4', what: 'encoded NUL' },
  { name: '.hidden.mp4', what: 'leading dot' },
  { name: '', what: 'empty' },
  { name: 'a'.repeat(256), what: 'over 255 bytes' },
  { name: 'é'.repeat(128), what: 'over 255 bytes in UTF-8' },
  { name: 'x\n.mp4', what: 'newline' },
];

/** Raw request targets under /files/ (sent byte for byte, not normalized): every one must be 400. */
export const BAD_TARGETS: readonly string[] = [
  '/files/recordings/../../etc/passwd',
  '/files/recordings/../snapshots/x.jpg',
  '/files/recordings/..%2f..%2fetc%2fpasswd',
  '/files/recordings/..%2F..%2Fetc%2Fpasswd',
  '/files/recordings/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/files/recordings/%2e%2e/%2e%2e/etc/passwd',
  '/files/recordings/%2E%2E',
  '/files/recordings/..',
  '/files/recordings/.',
  '/files/recordings//etc/passwd',
  '/files/recordings/%2Fetc%2Fpasswd',
  '/files/recordings/..%5c..%5cetc%5cpasswd',
  '/files/recordings/..\\..\\etc\\passwd',
  '/files/recordings/x%00.mp4',
  '/files/recordings/%252e%252e%252fetc%252fpasswd',
  '/files/recordings/.hidden',
  '/files/recordings/a/b.mp4',
  '/files/snapshots/..%2f..%2fconfig.yaml',
  '/files/snapshots/%2e%2e%2fconfig.yaml',
  '/files/../config.yaml',
  '/files/%2e%2e/config.yaml',
  '/files/recordings/%zz',
];
