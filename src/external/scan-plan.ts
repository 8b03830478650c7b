/**
 * Which RTSP URLs a discovery scan probes: configured hosts (names, addresses or IPv4 CIDR
 * blocks) × the ports and paths of each stream family. Pure and bounded.
 */

export type StreamType = 'skydio_eo' | 'skydio_ir' | 'generic_rtsp';

export interface ScanTarget {
  url: string;
  host: string;
  port: number;
  path: string;
  type: StreamType;
}

export interface ScanOptions {
  hosts: string[];
  skydio: boolean;
  generic: boolean;
  genericPorts: number[];
  genericPaths: string[];
  maxTargets: number;
}

/** Skydio drones: electro-optical on 5554 /subject, infrared on 6554 /infrared. */
export const SKYDIO_FAMILIES: { type: StreamType; port: number; path: string }[] = [
  { type: 'skydio_eo', port: 5554, path: '/subject' },
  { type: 'skydio_ir', port: 6554, path: '/infrared' },
];

/** Expands `a.b.c.d/n` to its host addresses (the network and broadcast ones excluded for n < 31). */
export function expandHost(spec: string): string[] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(spec.trim());
  if (!m) return [spec.trim()];
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new RangeError(`invalid CIDR block ${spec}`);
  if (bits < 16) throw new RangeError(`CIDR block ${spec} is too large to scan (at most /16)`);
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - bits);
  const network = (base & ~(size - 1)) >>> 0;
  const first = bits >= 31 ? 0 : 1;
  const last = bits >= 31 ? size - 1 : size - 2;
  const out: string[] = [];
  for (let i = first; i <= last; i++) {
    const a = (network + i) >>> 0;
    out.push([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'));
  }
  return out;
}

export function scanTargets(o: ScanOptions): ScanTarget[] {
  const families: { type: StreamType; port: number; path: string }[] = [];
  if (o.skydio) families.push(...SKYDIO_FAMILIES);
  if (o.generic) for (const port of o.genericPorts) for (const path of o.genericPaths) families.push({ type: 'generic_rtsp', port, path });
  const out: ScanTarget[] = [];
  for (const spec of o.hosts) {
    for (const host of expandHost(spec)) {
      for (const f of families) {
        if (out.length >= o.maxTargets) return out;
        const h = host.includes(':') ? `[${host}]` : host;
        out.push({ url: `rtsp://${h}:${f.port}${f.path}`, host, port: f.port, path: f.path, type: f.type });
      }
    }
  }
  return out;
}
