/** `yaml`, loaded with require (see README.md in this folder). */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export const { parse, parseDocument, stringify } = createRequire(import.meta.url)('yaml') as typeof Yaml;
