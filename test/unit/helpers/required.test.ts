import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { skipUnlessPresent } from '../../helpers/required.js';

describe('skipUnlessPresent (what a test needs from the machine)', () => {
  const ci = process.env['CI'];
  afterEach(() => {
    if (ci === undefined) delete process.env['CI'];
    else process.env['CI'] = ci;
  });

  it('present: no skip, in CI or not', () => {
    process.env['CI'] = 'true';
    assert.equal(skipUnlessPresent(undefined), false);
    assert.equal(skipUnlessPresent(false), false);
    delete process.env['CI'];
    assert.equal(skipUnlessPresent(undefined), false);
  });

  it('missing outside CI: a skip with the reason', () => {
    delete process.env['CI'];
    assert.equal(skipUnlessPresent('qemu-system-x86_64 not installed'), 'qemu-system-x86_64 not installed');
  });

  it('missing under CI=true: an error that names what is missing, never a skip', () => {
    process.env['CI'] = 'true';
    assert.throws(() => skipUnlessPresent('qemu-system-x86_64 not installed (Debian package qemu-system-x86)'), /missing under CI=true: qemu-system-x86_64 not installed/);
  });
});
