/** Running FFmpeg: the publisher supervisor, one-shot runs, progress and error parsing. */
export * from '../../lib/backoff.js';
export * from './progress.js';
export * from './stderr.js';
export * from './state.js';
export * from './supervisor.js';
export * from './one-shot.js';
export * from './encoders.js';
export * from './test-loop.js';
