/** CLI: writes the generated API reference (docs/api.md) to the file named on the command line. */
import { writeFileSync } from 'node:fs';
import { renderApiReference } from '../api/api-reference.js';
import { referenceDocument } from './reference-doc.js';

const target = process.argv[2] ?? 'docs/api.md';
writeFileSync(target, renderApiReference(referenceDocument()));
console.log(`wrote ${target}`);
