import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUdevMonitorOutput, UdevMonitorParser } from '../../../src/discovery/udev-monitor.js';
import { fixture } from './fixture-tree.js';

const recorded = () => fixture('udevadm-monitor').read('vivid-loopback.txt');

describe('udevadm monitor parser on recorded output (vivid + v4l2loopback in the VM)', () => {
  it('yields every event with its action and node, in order', () => {
    const events = parseUdevMonitorOutput(recorded());
    assert.deepEqual(
      events.map((e) => `${e.action} ${e.devname}`),
      [
        // modprobe vivid: udev finished video1 first (rule processing runs in parallel)
        'add video1', 'add video0', 'add video2',
        'add video3', 'change video3', 'remove video3', // v4l2loopback, a triggered change, rmmod
        'remove video0', 'remove video1', 'remove video2', // unbind vivid.0
        'add video0', 'add video1', 'add video2', // bind
        'remove video0', 'remove video1', 'remove video2', // rmmod vivid
      ],
    );
    for (const e of events) assert.equal(e.subsystem, 'video4linux');
  });

  it('keeps the properties udev attached after its rules ran', () => {
    const [video1, video0] = parseUdevMonitorOutput(recorded());
    assert.equal(video0!.devpath, '/devices/platform/vivid.0/video4linux/video0');
    assert.equal(video0!.properties.DEVNAME, '/dev/video0');
    assert.equal(video0!.properties.ID_V4L_CAPABILITIES, ':capture:video_overlay:audio:tuner:');
    assert.equal(video0!.properties.DEVLINKS, '/dev/v4l/by-path/platform-vivid.0-video-index0');
    assert.equal(video1!.properties.ID_V4L_CAPABILITIES, ':audio:tuner:', 'the metadata node is not a capture node for udev either');
    assert.ok(video0!.uptime > 0);
    const loop = parseUdevMonitorOutput(recorded()).find((e) => e.devname === 'video3')!;
    assert.equal(loop.properties.ID_V4L_PRODUCT, 'Loop Cam');
    assert.equal(loop.devpath, '/devices/virtual/video4linux/video3');
  });

  it('reports listening once the banner line is read, before any event', () => {
    const p = new UdevMonitorParser();
    const lines = recorded().split('\n');
    assert.equal(p.listening, false);
    assert.equal(p.push(lines[0]!), null);
    assert.equal(p.listening, false);
    assert.equal(p.push(lines[1]!), null);
    assert.equal(p.listening, true, lines[1]);
  });

  it('line by line gives the same events as the whole text; an event is complete at its blank line', () => {
    const p = new UdevMonitorParser();
    const seen: string[] = [];
    const lines = recorded().split('\n');
    let firstDone = -1;
    lines.forEach((line, i) => {
      const e = p.push(line);
      if (e) {
        seen.push(`${e.action} ${e.devname}`);
        if (firstDone < 0) firstDone = i;
      }
    });
    const tail = p.flush();
    if (tail) seen.push(`${tail.action} ${tail.devname}`);
    assert.deepEqual(seen, parseUdevMonitorOutput(recorded()).map((e) => `${e.action} ${e.devname}`));
    assert.equal(lines[firstDone], '', 'the first event completes at the blank line after its properties');
  });

  it('takes the node from the device path without --property, and tolerates CRLF and stray lines', () => {
    const events = parseUdevMonitorOutput(
      'noise before\r\nUDEV  [12.5] add      /devices/virtual/video4linux/video7 (video4linux)\r\n\r\nKERNEL[13.0] remove   /devices/virtual/video4linux/video7 (video4linux)\n',
    );
    assert.deepEqual(events.map((e) => [e.action, e.devname, e.uptime]), [['add', 'video7', 12.5], ['remove', 'video7', 13]]);
  });
});
