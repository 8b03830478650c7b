import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { firstCheckAfterMs, LOOPBACK_QUIET_MS, quietAfterMs, recheckAfterMs, writerState } from '../../../src/discovery/node-activity.js';
import { isStaleRemove, ProbeCache, sameProbe, sysfsFingerprint } from '../../../src/discovery/probe-cache.js';
import type { SysfsNode } from '../../../src/discovery/sysfs.js';
import { parseListFormatsExt } from '../../../src/discovery/v4l2-formats.js';
import { parseV4l2Info } from '../../../src/discovery/v4l2-info.js';
import { FIXTURES } from './fixture-tree.js';

/** A recorded node: its sysfs facts (from sysfs.txt) and its probe (info + formats). */
function recorded(dir: string): { sys: SysfsNode; probe: { info: ReturnType<typeof parseV4l2Info>; formats: ReturnType<typeof parseListFormatsExt> } } {
  const read = (f: string) => readFileSync(join(FIXTURES, dir, f), 'utf8');
  const attrs = Object.fromEntries(read('sysfs.txt').split('\n').filter((l) => /^[a-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const name = attrs['class']!.replace(/^.*\//, '');
  return {
    sys: { name, devnode: `/dev/${name}`, label: attrs['name'] ?? null, index: attrs['index'] ? Number(attrs['index']) : null, dev: attrs['dev'] ?? null, sysfsPath: attrs['device'] && attrs['device'] !== '(missing)' ? attrs['device'] : attrs['class']!, usb: null },
    probe: { info: parseV4l2Info(read('info.txt')), formats: parseListFormatsExt(read('list-formats-ext.txt')) },
  };
}

describe('probe cache (pure)', () => {
  const vivid0 = recorded('vivid/vivid-000-video-capture');
  const vivid1 = recorded('vivid/vivid-001-video-capture');
  const loop = recorded('v4l2loopback/loop-cam-streaming');

  it('a re-plugged node (same device, name attribute and index; another node number) finds its earlier probe', () => {
    const cache = new ProbeCache();
    cache.set(vivid0.sys, vivid0.probe);
    cache.set(vivid1.sys, vivid1.probe);
    const renumbered = { ...vivid0.sys, name: 'video4', devnode: '/dev/video4', dev: '81:4' };
    assert.deepEqual(cache.get(renumbered), vivid0.probe);
    assert.deepEqual(cache.get({ ...vivid1.sys, name: 'video7' }), vivid1.probe);
    assert.equal(cache.size, 2);
  });

  it('another device, another node of the device, another USB unit: no match', () => {
    const cache = new ProbeCache();
    cache.set(vivid0.sys, vivid0.probe);
    assert.equal(cache.get({ ...vivid0.sys, sysfsPath: '/sys/devices/platform/vivid.1' }), undefined);
    assert.equal(cache.get({ ...vivid0.sys, index: 1 }), undefined);
    assert.equal(cache.get({ ...vivid0.sys, label: 'vivid-000-meta-cap' }), undefined);
    const usb = { ...vivid0.sys, usb: { vendorId: '046d', productId: '082d', serial: 'B61DEDAF' } };
    cache.set(usb, vivid0.probe);
    assert.equal(cache.get({ ...usb, usb: { vendorId: '046d', productId: '082d', serial: 'OTHER' } }), undefined);
    assert.equal(cache.get(null), undefined);
    assert.equal(sysfsFingerprint({ ...vivid0.sys, label: null }), null, 'too little to tell devices apart');
  });

  it('v4l2loopback nodes are never cached (what they offer depends on the writer), and a loopback result replaces nothing stale', () => {
    const cache = new ProbeCache();
    cache.set(loop.sys, loop.probe);
    assert.equal(cache.get(loop.sys), undefined);
    cache.set(vivid0.sys, vivid0.probe);
    cache.set(vivid0.sys, loop.probe); // the same sysfs facts now a loopback: forget the old result
    assert.equal(cache.get(vivid0.sys), undefined);
  });

  it('a re-probe confirms a cached result only when it says exactly the same', () => {
    assert.equal(sameProbe(vivid0.probe, structuredClone(vivid0.probe)), true);
    assert.equal(sameProbe(vivid0.probe, { ...vivid0.probe, formats: vivid0.probe.formats.slice(1) }), false);
    assert.equal(sameProbe(vivid0.probe, undefined), false);
  });

  it('a late udev removal is stale only when the node exists again for another device', () => {
    const devpath = '/devices/platform/vivid.0/video4linux/video0';
    assert.equal(isStaleRemove(vivid0.sys, devpath, false), false, 'the node is gone: a real removal');
    assert.equal(isStaleRemove(vivid0.sys, devpath, true), false, 'same device');
    assert.equal(isStaleRemove(loop.sys, devpath, true), true, 'the loopback took video0; the event is about vivid');
    assert.equal(isStaleRemove(null, devpath, true), false);
    assert.equal(isStaleRemove(vivid0.sys, undefined, true), false);
  });
});

describe('loopback writer pace (pure)', () => {
  it('waits LOOPBACK_QUIET_MS until the pace is known, then 1.5x the longest recent gap, within bounds', () => {
    assert.equal(quietAfterMs([]), LOOPBACK_QUIET_MS);
    assert.equal(quietAfterMs([100, 100]), LOOPBACK_QUIET_MS);
    assert.equal(quietAfterMs([100, 98, 130]), 195);
    assert.equal(quietAfterMs([10, 12, 11]), 60, 'a fast writer: a floor against probing on jitter');
    assert.equal(quietAfterMs([1500, 1600, 1900]), LOOPBACK_QUIET_MS, 'a slow writer: never longer than before');
  });
});

describe('loopback writer state from sysfs (pure)', () => {
  it('the format attribute: printed while ready for capture, empty once the last opener closed, absent for other drivers', () => {
    assert.equal(writerState('YUYV:320x240@10\n'), 'ready');
    assert.equal(writerState(''), 'gone');
    assert.equal(writerState('\n'), 'gone');
    assert.equal(writerState(null), 'unknown');
  });

  it('the first sysfs check: 1.2x the median gap (at least 40 ms), 200 ms before the pace is known', () => {
    assert.equal(firstCheckAfterMs([]), 200);
    assert.equal(firstCheckAfterMs([100, 250, 100, 90, 110]), 120);
    assert.equal(firstCheckAfterMs([10, 12, 11]), 40);
    assert.equal(firstCheckAfterMs([1900, 1900, 1900]), LOOPBACK_QUIET_MS);
  });

  it('a silent but still ready device is looked at again, less often the longer it stays silent', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map(recheckAfterMs), [25, 50, 100, 200, 400, 800, 1600, LOOPBACK_QUIET_MS, LOOPBACK_QUIET_MS]);
  });
});
