/**
 * The OpenRPC document of the real composition root, for generating docs/api.md and for the
 * test that keeps it current: builds the App with a throwaway configuration (nothing is
 * started) and reads its document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from '../lib/deps/pino.js';
import { App } from '../app.js';
import { loadConfig } from '../config/load.js';
import type { OpenRpcDocument } from '../api/openrpc.js';

export function referenceDocument(): OpenRpcDocument {
  const dir = mkdtempSync(join(tmpdir(), 'camera-service-docs-'));
  try {
    const loaded = loadConfig(undefined, {
      CAMERA_SERVICE_SECURITY_JWT_SECRET: 'reference-document-secret-0123456789',
      CAMERA_SERVICE_MEDIAMTX_MANAGED: 'false',
      CAMERA_SERVICE_STORAGE_STATE_PATH: join(dir, 'state'),
      CAMERA_SERVICE_STORAGE_RECORDINGS_PATH: join(dir, 'recordings'),
      CAMERA_SERVICE_STORAGE_SNAPSHOTS_PATH: join(dir, 'snapshots'),
    });
    if (!loaded.ok) throw new Error(`default configuration is invalid: ${loaded.problems.join('; ')}`);
    const app = new App(loaded.config, pino({ level: 'silent' }));
    const doc = app.api.document();
    app.mediamtxApi.close();
    return doc;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
