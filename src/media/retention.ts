/**
 * Retention: which files a policy deletes. Pure.
 *
 * - `age`: files last modified more than `max_age_days` ago.
 * - `size`: the oldest files until recordings and snapshots together fit in `max_size_gb`
 *   (GiB, 1024³ bytes). Files being written count towards the total but are never chosen.
 * - `manual`: nothing on schedule; `cleanup_old_files` applies whichever limits are set.
 * - `enabled: false`: nothing, ever.
 * Always oldest first (modification time, then name), and never a file being written.
 */

export type PolicyType = 'age' | 'size' | 'manual';

export interface RetentionPolicy {
  policy_type: PolicyType;
  enabled: boolean;
  max_age_days: number | null;
  max_size_gb: number | null;
}

export interface RetentionFile {
  kind: 'recordings' | 'snapshots';
  name: string;
  size: number;
  mtimeMs: number;
  /** Being written (a running recording's part, a remux in progress): never deleted. */
  busy: boolean;
}

export interface RetentionLimits {
  maxAgeMs?: number;
  maxBytes?: number;
}

export const GIB = 1024 ** 3;
export const DAY_MS = 86_400_000;

/** The limits a policy applies now: on schedule, or when an admin calls cleanup_old_files. */
export function limitsFor(policy: RetentionPolicy, trigger: 'scheduled' | 'on_demand'): RetentionLimits | undefined {
  if (!policy.enabled) return undefined;
  const age = policy.max_age_days === null ? undefined : policy.max_age_days * DAY_MS;
  const size = policy.max_size_gb === null ? undefined : Math.floor(policy.max_size_gb * GIB);
  switch (policy.policy_type) {
    case 'age':
      return age === undefined ? undefined : { maxAgeMs: age };
    case 'size':
      return size === undefined ? undefined : { maxBytes: size };
    case 'manual':
      if (trigger === 'scheduled') return undefined;
      if (age === undefined && size === undefined) return undefined;
      return { ...(age !== undefined ? { maxAgeMs: age } : {}), ...(size !== undefined ? { maxBytes: size } : {}) };
  }
}

export function oldestFirst(a: RetentionFile, b: RetentionFile): number {
  return a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

/** The files to delete, oldest first. */
export function selectForDeletion(files: readonly RetentionFile[], limits: RetentionLimits, now: number): RetentionFile[] {
  const sorted = [...files].sort(oldestFirst);
  const chosen = new Set<RetentionFile>();
  if (limits.maxAgeMs !== undefined) {
    const cutoff = now - limits.maxAgeMs;
    for (const f of sorted) if (!f.busy && f.mtimeMs < cutoff) chosen.add(f);
  }
  if (limits.maxBytes !== undefined) {
    let total = sorted.reduce((n, f) => n + (chosen.has(f) ? 0 : f.size), 0);
    for (const f of sorted) {
      if (total <= limits.maxBytes) break;
      if (f.busy || chosen.has(f)) continue;
      chosen.add(f);
      total -= f.size;
    }
  }
  return sorted.filter((f) => chosen.has(f));
}

/** Checks a set_retention_policy request; returns the stored policy or the offending param. */
export function normalizePolicy(
  req: { policy_type: PolicyType; enabled: boolean; max_age_days?: number; max_size_gb?: number },
  previous: RetentionPolicy,
): { ok: true; policy: RetentionPolicy } | { ok: false; param: string; rule: string; reason: string } {
  const policy: RetentionPolicy = {
    policy_type: req.policy_type,
    enabled: req.enabled,
    max_age_days: req.max_age_days ?? previous.max_age_days,
    max_size_gb: req.max_size_gb ?? previous.max_size_gb,
  };
  if (policy.policy_type === 'age' && req.max_age_days === undefined && previous.max_age_days === null) {
    return { ok: false, param: 'max_age_days', rule: 'required', reason: 'an age policy needs max_age_days' };
  }
  if (policy.policy_type === 'size' && req.max_size_gb === undefined && previous.max_size_gb === null) {
    return { ok: false, param: 'max_size_gb', rule: 'required', reason: 'a size policy needs max_size_gb' };
  }
  return { ok: true, policy };
}
