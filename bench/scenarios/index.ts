/** Every scenario, in the order they run. Add new ones here. */
import { cameraCycles, cameraScale, controlPath, mediaLatency } from './cameras.js';
import { admission } from './admission.js';
import { connections } from './connections.js';
import { fanout } from './fanout.js';
import { latency } from './latency.js';
import { memory } from './memory.js';
import { mqtt } from './mqtt.js';
import { waits } from './waits.js';
import type { Scenario } from './types.js';

export const SCENARIOS: Scenario[] = [memory, latency, fanout, connections, controlPath, cameraCycles, cameraScale, mediaLatency, waits, mqtt, admission];
