/** CLI: writes the generated configuration reference to the file named on the command line. */
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from './reference.js';

const target = process.argv[2] ?? 'docs/configuration.md';
writeFileSync(target, renderConfigReference());
console.log(`wrote ${target}`);
