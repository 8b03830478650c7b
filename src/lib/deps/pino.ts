/** `pino`, loaded with require (see README.md in this folder). */
import { createRequire } from 'node:module';
import type * as Pino from 'pino';

export const pino = (createRequire(import.meta.url)('pino') as typeof Pino).pino;
export type Logger = Pino.Logger;
