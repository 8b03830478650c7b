/**
 * Logical camera ids (pure): maps physical identity keys to `camera0`, `camera1`, …
 *
 * - A device seen for the first time gets the lowest `cameraN` not held by any registry
 *   entry; entries of absent cameras keep their ids reserved (so a re-plugged camera gets its
 *   id back and nobody else takes it meanwhile).
 * - A device is matched by its identity key first, then by its aliases (weaker keys, see
 *   identity.ts) against entries' keys; an alias match moves the entry to the stronger key.
 * - `forgetId` releases an id (admin action); the next new camera may then take it.
 * The caller persists the returned registry.
 */

export const CAMERA_ID_PATTERN = /^camera(0|[1-9][0-9]*)$/;

export interface RegistryEntry {
  id: string;
  /** Identity key the camera was last seen with. */
  identity: string;
  /** Other keys the camera was seen with (hints that break ties between identical devices). */
  aliases?: string[];
  /** Display name when last seen (informational). */
  name?: string;
}

export interface PresentDevice {
  identity: string;
  aliases?: readonly string[];
  name?: string;
}

export interface AssignmentResult {
  /** identity key of each present device → its camera id, in input order. */
  ids: Map<string, string>;
  /** The registry to persist: every previous entry (updated) plus new ones, ordered by id number. */
  registry: RegistryEntry[];
  /** Ids given out for the first time in this call. */
  added: string[];
  /** Entries whose identity key changed (alias match): id → previous key. */
  rekeyed: Map<string, string>;
}

function idNumber(id: string): number {
  const m = CAMERA_ID_PATTERN.exec(id);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

/** Lowest `cameraN` not in `used`. */
export function lowestFreeId(used: Iterable<string>): string {
  const taken = new Set<number>();
  for (const id of used) {
    const n = idNumber(id);
    if (Number.isFinite(n)) taken.add(n);
  }
  let n = 0;
  while (taken.has(n)) n++;
  return `camera${n}`;
}

/**
 * Assigns ids to the present devices (processed in the given order, which decides who gets
 * the lower id when several new devices appear at once: pass them sorted, e.g. by node
 * number). Entries with malformed ids or duplicate ids/keys are dropped (first one wins).
 */
export function assignIds(registry: readonly RegistryEntry[], present: readonly PresentDevice[]): AssignmentResult {
  // Normalise the persisted registry.
  const entries: RegistryEntry[] = [];
  const seenIds = new Set<string>();
  const seenKeys = new Set<string>();
  for (const e of registry) {
    if (!CAMERA_ID_PATTERN.test(e.id) || seenIds.has(e.id) || seenKeys.has(e.identity) || e.identity === '') continue;
    seenIds.add(e.id);
    seenKeys.add(e.identity);
    entries.push({ ...e, aliases: [...(e.aliases ?? [])] });
  }
  const byKey = new Map(entries.map((e) => [e.identity, e]));
  const claimed = new Set<RegistryEntry>();
  const chosen = new Map<number, RegistryEntry>(); // present index → entry
  const rekeyed = new Map<string, string>();

  // De-duplicate present devices by key (the same device reported twice).
  const devices = present.filter((d, i) => present.findIndex((o) => o.identity === d.identity) === i);

  // 1) exact key matches
  devices.forEach((d, i) => {
    const e = byKey.get(d.identity);
    if (e && !claimed.has(e)) { claimed.add(e); chosen.set(i, e); }
  });
  // 2) alias matches: a device's weaker key equals an entry's key. When several devices
  //    could take the same entry, prefer the one sharing most keys with the entry's aliases.
  const candidates = new Map<RegistryEntry, number[]>();
  devices.forEach((d, i) => {
    if (chosen.has(i)) return;
    for (const alias of d.aliases ?? []) {
      const e = byKey.get(alias);
      if (e && !claimed.has(e)) {
        const list = candidates.get(e) ?? [];
        list.push(i);
        candidates.set(e, list);
        break;
      }
    }
  });
  for (const [e, list] of candidates) {
    const overlap = (i: number): number => {
      const d = devices[i]!;
      const keys = new Set([d.identity, ...(d.aliases ?? [])]);
      return (e.aliases ?? []).filter((a) => keys.has(a)).length;
    };
    const winner = [...list].sort((a, b) => overlap(b) - overlap(a) || a - b)[0]!;
    claimed.add(e);
    chosen.set(winner, e);
  }

  // 3) new ids for the rest; update matched entries
  const added: string[] = [];
  const ids = new Map<string, string>();
  devices.forEach((d, i) => {
    let e = chosen.get(i);
    if (e) {
      if (e.identity !== d.identity) {
        rekeyed.set(e.id, e.identity);
        const previous = e.identity;
        e.identity = d.identity;
        e.aliases = [...new Set([previous, ...(e.aliases ?? [])])].filter((a) => a !== d.identity);
      }
    } else {
      e = { id: lowestFreeId(entries.map((x) => x.id)), identity: d.identity, aliases: [] };
      entries.push(e);
      added.push(e.id);
    }
    e.aliases = [...new Set([...(e.aliases ?? []), ...(d.aliases ?? [])])].filter((a) => a !== e!.identity);
    if (d.name !== undefined) e.name = d.name;
    ids.set(d.identity, e.id);
  });

  entries.sort((a, b) => idNumber(a.id) - idNumber(b.id));
  return { ids, registry: entries, added, rekeyed };
}

/** Removes the entry holding `id` so the id becomes free again. Returns the registry unchanged when absent. */
export function forgetId(registry: readonly RegistryEntry[], id: string): RegistryEntry[] {
  return registry.filter((e) => e.id !== id);
}
