/**
 * The retention policy (persisted in `<state_path>/retention-policy.json`), the scheduled
 * cleanup, and cleanup_old_files. Selection is the pure `selectForDeletion`.
 */
import { t, type Schema } from '../lib/schema.js';
import { loadStateFile, stderrLog, writeStateFile, type StateFileLog } from '../lib/state-file.js';
import type { Logger } from '../observability/logger.js';
import type { MediaKind, MediaLibrary } from './library.js';
import { limitsFor, selectForDeletion, type RetentionFile, type RetentionPolicy } from './retention.js';

export interface CleanupResult {
  cleanup_executed: boolean;
  files_deleted: number;
  space_freed: number;
  message: string;
  deleted: { kind: MediaKind; name: string }[];
}

const nullableNumber = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'null' }] } as Schema<number | null>;

/** `retention-policy.json`. */
export const retentionPolicySchema = t.object(
  {
    policy_type: t.enum(['age', 'size', 'manual'] as const),
    enabled: t.boolean(),
    max_age_days: t.optional(nullableNumber),
    max_size_gb: t.optional(nullableNumber),
  },
  { additionalProperties: true },
);

export class PolicyStore {
  constructor(
    readonly file: string,
    private readonly initial: RetentionPolicy,
    private readonly log: StateFileLog = stderrLog,
  ) {}

  /** The stored policy; the configured one when there is none or it is unusable (then moved aside and logged). */
  load(): RetentionPolicy {
    const p = loadStateFile(this.file, {
      schema: retentionPolicySchema,
      fallback: () => ({ ...this.initial }),
      holds: 'retention policy set with set_retention_policy (the configured retention.* policy applies)',
      log: this.log,
    }).value;
    return { policy_type: p.policy_type, enabled: p.enabled, max_age_days: p.max_age_days ?? null, max_size_gb: p.max_size_gb ?? null };
  }

  save(policy: RetentionPolicy): void {
    writeStateFile(this.file, policy);
  }
}

export class RetentionService {
  #policy: RetentionPolicy;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: PolicyStore,
    private readonly library: MediaLibrary,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly onDeleted: (result: CleanupResult) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#policy = store.load();
  }

  get policy(): RetentionPolicy {
    return { ...this.#policy };
  }

  setPolicy(policy: RetentionPolicy): void {
    this.store.save(policy);
    this.#policy = { ...policy };
    this.log.info({ policy }, 'retention policy set');
  }

  start(): void {
    this.#timer = setInterval(() => void this.run('scheduled').catch((err: Error) => this.log.error({ err: err.message }, 'scheduled cleanup failed')), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One cleanup pass (passes never overlap). */
  run(trigger: 'scheduled' | 'on_demand'): Promise<CleanupResult> {
    const next = this.#chain.then(() => this.#pass(trigger));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #pass(trigger: 'scheduled' | 'on_demand'): Promise<CleanupResult> {
    const policy = this.#policy;
    const limits = limitsFor(policy, trigger);
    if (!limits) {
      const why = !policy.enabled ? 'the retention policy is disabled' : policy.policy_type === 'manual' && trigger === 'scheduled' ? 'manual policy: no scheduled cleanup' : 'the policy sets no limit';
      return { cleanup_executed: false, files_deleted: 0, space_freed: 0, message: `nothing deleted: ${why}`, deleted: [] };
    }
    const files: RetentionFile[] = [];
    for (const kind of ['recordings', 'snapshots'] as const) {
      for (const f of await this.library.list(kind)) files.push({ kind, name: f.name, size: f.size, mtimeMs: f.mtimeMs, busy: this.library.isBusy(kind, f.name) });
    }
    const chosen = selectForDeletion(files, limits, this.now());
    let freed = 0;
    const deleted: { kind: MediaKind; name: string }[] = [];
    for (const f of chosen) {
      try {
        freed += await this.library.delete(f.kind, f.name);
        deleted.push({ kind: f.kind, name: f.name });
      } catch (err) {
        // Started being written, or deleted by someone else meanwhile: skip it.
        this.log.debug({ file: f.name, err: (err as Error).message }, 'retention skipped a file');
      }
    }
    const result: CleanupResult = {
      cleanup_executed: true,
      files_deleted: deleted.length,
      space_freed: freed,
      message: `${policy.policy_type} policy: deleted ${deleted.length} of ${files.length} files, ${freed} bytes freed`,
      deleted,
    };
    if (deleted.length > 0) {
      this.log.info({ trigger, files: deleted.length, bytes: freed, policy: policy.policy_type }, 'retention cleanup deleted files');
      this.onDeleted(result);
    }
    return result;
  }
}
