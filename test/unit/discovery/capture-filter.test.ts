import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNodeCaps, udevSaysCapture } from '../../../src/discovery/capture-filter.js';
import { parseUdevadmInfo } from '../../../src/discovery/udev-info.js';
import { parseV4l2Info } from '../../../src/discovery/v4l2-info.js';
import { fixture, nodeDirs } from './fixture-tree.js';

const verdictOf = (name: string) => classifyNodeCaps(parseV4l2Info(fixture(name).read('info.txt')).nodeCaps);

describe('classifyNodeCaps on recorded nodes', () => {
  it('vivid video capture node is a camera; its metadata node is not', () => {
    const vid = verdictOf('vivid/vivid-000-video-capture');
    assert.deepEqual([vid.capture, vid.kind, vid.multiplanar], [true, 'video-capture', false]);
    const meta = verdictOf('vivid/vivid-000-metadata-capture');
    assert.deepEqual([meta.capture, meta.kind], [false, 'metadata-capture']);
    assert.match(meta.reason, /metadata/);
    assert.match(meta.reason, /0x05a30000/);
  });

  it('an idle v4l2loopback (output only) is not a camera until a writer makes it capture', () => {
    const idle = verdictOf('v4l2loopback/loop-cam-idle');
    assert.deepEqual([idle.capture, idle.kind], [false, 'video-output']);
    assert.equal(verdictOf('v4l2loopback/loop-cam-streaming').capture, true);
  });

  it('every UVC capture node of the fixtures is a camera', () => {
    const uvc = nodeDirs().filter((d) => d.name.startsWith('uvc/') && d.has('info.txt'));
    assert.ok(uvc.length >= 4);
    for (const d of uvc) assert.equal(verdictOf(d.name).capture, true, d.name);
  });

  it('fixture directory names that say "metadata" or "output" are never cameras, "video-capture" always', () => {
    for (const d of nodeDirs().filter((x) => x.has('info.txt'))) {
      const v = verdictOf(d.name);
      if (/metadata|idle/.test(d.name)) assert.equal(v.capture, false, d.name);
      if (/video-capture|streaming/.test(d.name)) assert.equal(v.capture, true, d.name);
    }
  });
});

describe('classifyNodeCaps on capability words', () => {
  const cases: [string, number, boolean, string][] = [
    ['UVC capture node', 0x04200001, true, 'video-capture'],
    ['UVC metadata node', 0x04a00000, false, 'metadata-capture'],
    ['multiplanar capture (CSI/ISP capture node)', 0x04201000, true, 'video-capture'],
    ['capture without streaming', 0x01000001, false, 'video-capture'],
    ['video output node (vivid 0x100 node type)', 0x04200002, false, 'video-output'],
    ['m2m codec (bcm2835-codec)', 0x04208000, false, 'mem2mem'],
    ['m2m multiplanar (v4l2 stateful decoder)', 0x04204000, false, 'mem2mem'],
    ['capture + output on one node (old-style m2m)', 0x04003003, false, 'mem2mem'],
    ['touch sensor (sets Video Capture too)', 0x15000001, false, 'touch'],
    ['radio', 0x00050000, false, 'radio'],
    ['VBI capture', 0x05000010, false, 'vbi'],
    ['SDR receiver', 0x05110000, false, 'sdr'],
    ['metadata output', 0x0c000000, false, 'metadata-output'],
    ['nothing', 0, false, 'other'],
  ];
  for (const [label, caps, capture, kind] of cases) {
    it(`${label}: ${capture ? 'camera' : `not a camera (${kind})`}`, () => {
      const v = classifyNodeCaps(caps);
      assert.equal(v.capture, capture);
      assert.equal(v.kind, kind);
      assert.notEqual(v.reason, '');
    });
  }
  it('flags the multiplanar API', () => {
    assert.equal(classifyNodeCaps(0x04201000).multiplanar, true);
    assert.equal(classifyNodeCaps(0x04201001).multiplanar, false);
  });
});

describe('udevSaysCapture', () => {
  it('reads ID_V4L_CAPABILITIES from recorded udev data', () => {
    const caps = (name: string) => parseUdevadmInfo(fixture(name).read('udev.txt')).properties.ID_V4L_CAPABILITIES;
    assert.equal(udevSaysCapture(caps('vivid/vivid-000-video-capture')), true);
    assert.equal(udevSaysCapture(caps('v4l2loopback/loop-cam-idle')), false);
    assert.equal(udevSaysCapture('::'), false);
    assert.equal(udevSaysCapture(undefined), null);
  });
});
