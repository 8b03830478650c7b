/**
 * What a test needs from the machine. Outside CI a missing tool or lane is a skip, with the
 * reason shown in the summary; under CI=true nothing may be skipped, so the test file fails at
 * once with the name of what is missing (scripts/setup.sh --with-vm installs all of it).
 */
export function skipUnlessPresent(missing: string | false | undefined, env: NodeJS.ProcessEnv = process.env): string | false {
  if (!missing) return false;
  if (env['CI'] === 'true') throw new Error(`missing under CI=true: ${missing} (scripts/setup.sh --with-vm installs it)`);
  return missing;
}
