#!/usr/bin/env node
/**
 * The `camera-service` command's entry. It holds V8's optimizing compilers back first (see
 * src/node-flags.ts; the command releases them once the service is ready), and only then loads
 * the command (src/command.ts): a static import would load the whole service before the first
 * statement here runs.
 */
import { holdOptimizingCompilers } from './node-flags.js';

holdOptimizingCompilers();
await import('./command.js');
