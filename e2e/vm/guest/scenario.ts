// Runs a guest scenario that drives the service against vivid: whatever happens, the service's
// log is saved, the service stopped, vivid unloaded, and the report written to $OUT/report.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../../test/helpers/service.js';
import { run } from './exec.js';

export async function runVividScenario(name: string, report: { error?: string }, main: (ref: { svc?: RunningService }) => Promise<void>): Promise<void> {
  const out = process.env['OUT'] ?? '/tmp';
  const ref: { svc?: RunningService } = {};
  try {
    await main(ref);
  } catch (err) {
    report.error = (err as Error).stack ?? String(err);
  } finally {
    if (ref.svc) {
      writeFileSync(join(out, `service-${name}.log`), ref.svc.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
      await ref.svc.stop();
    }
    await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind 2>/dev/null; modprobe -r vivid']);
    writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  }
}
