/** `prom-client`, loaded with require (see README.md in this folder). */
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const prom = createRequire(import.meta.url)('prom-client') as typeof Prom;

export const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = prom;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
export type Registry = Prom.Registry;
