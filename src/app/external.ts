/** External RTSP streams: the persisted list, scheduled scans, their paths and methods. */
import { join } from 'node:path';
import { externalMethods } from '../api/methods/external.js';
import type { Module } from '../core/lifecycle.js';
import { ExternalStreams } from '../external/external-streams.js';
import type { MediaMtx } from './mediamtx.js';
import type { Core } from './core.js';

export function wireExternal(core: Core, mediamtx: MediaMtx): { external: ExternalStreams; module: Module } {
  const ext = core.config.external_streams;
  const external = new ExternalStreams({
    file: join(core.config.storage.state_path, 'external-streams.json'),
    reconciler: mediamtx.paths,
    mediamtx: mediamtx.api,
    log: core.log.child({ module: 'external' }),
    discovery: {
      enabled: ext.discovery_enabled,
      hosts: ext.hosts,
      skydio: ext.skydio_enabled,
      generic: ext.generic_enabled,
      genericPorts: ext.generic_ports,
      genericPaths: ext.generic_paths,
      maxTargets: ext.max_targets,
      timeoutMs: ext.probe_timeout_ms,
      concurrency: ext.concurrency,
    },
    intervalS: ext.scan_interval_s,
  });
  core.methods.add(...externalMethods({ external, nameTaken: (name) => core.cameras.get(name) !== undefined }));
  return { external, module: { name: 'external', start: () => external.start(), stop: () => external.stop() } };
}
