/**
 * Pure, incremental parser for `udevadm monitor --udev --property` output: a header line per
 * event (`UDEV  [6.041581] add      /devices/…/video4linux/video0 (video4linux)`), then
 * KEY=VALUE property lines, then a blank line. Banner lines ("monitor will print …",
 * "UDEV - the event which udev sends out after rule processing") are recognised so the caller
 * knows when the monitor listens. Recorded output: hardware/fixtures/udevadm-monitor/.
 */

export interface UdevEvent {
  /** add, remove, change, bind, unbind, move, online, offline. */
  action: string;
  /** Device path below /sys, e.g. "/devices/platform/vivid.0/video4linux/video0". */
  devpath: string;
  subsystem: string;
  /** Node name below /dev ("video0"), from DEVNAME; null when the event has none. */
  devname: string | null;
  /** Kernel uptime of the event in seconds, as printed in the header. */
  uptime: number;
  /** The property lines (ACTION, DEVPATH, DEVNAME, ID_V4L_CAPABILITIES, DEVLINKS, …). */
  properties: Record<string, string>;
}

const HEADER = /^(UDEV|KERNEL)\s*\[(\d+(?:\.\d+)?)\]\s+(\S+)\s+(\S+)\s+\(([^()]*)\)\s*$/;
const PROPERTY = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Feed lines one at a time; complete events come back from {@link push} and {@link flush}. */
export class UdevMonitorParser {
  #current: UdevEvent | null = null;
  /** True once the "UDEV - …" banner line was seen: the monitor is subscribed. */
  listening = false;

  /** Takes one line (without its newline); returns the event it completed, if any. */
  push(rawLine: string): UdevEvent | null {
    const line = rawLine.replace(/\r$/, '');
    const header = HEADER.exec(line);
    if (header) {
      const done = this.flush();
      const [, , uptime, action, devpath, subsystem] = header as unknown as [string, string, string, string, string, string];
      this.#current = { action, devpath, subsystem, devname: null, uptime: Number(uptime), properties: {} };
      return done;
    }
    if (line.trim() === '') return this.flush();
    if (/^UDEV - /.test(line)) {
      this.listening = true;
      return this.flush();
    }
    const prop = PROPERTY.exec(line);
    if (prop && this.#current) {
      this.#current.properties[prop[1]!] = prop[2]!;
      if (prop[1] === 'DEVNAME') this.#current.devname = prop[2]!.replace(/^\/dev\//, '');
    }
    return null; // banner lines, or properties without a header
  }

  /** Completes the event in progress (at a blank line or end of output). */
  flush(): UdevEvent | null {
    const done = this.#current;
    this.#current = null;
    if (done && done.devname === null) {
      // Without --property there is no DEVNAME; the last path element names the node.
      const last = done.devpath.split('/').pop() ?? '';
      if (/^video\d+$/.test(last)) done.devname = last;
    }
    return done;
  }
}

/** Parses a whole recorded output. */
export function parseUdevMonitorOutput(text: string): UdevEvent[] {
  const parser = new UdevMonitorParser();
  const events: UdevEvent[] = [];
  for (const line of text.split('\n')) {
    const e = parser.push(line);
    if (e) events.push(e);
  }
  const last = parser.flush();
  if (last) events.push(last);
  return events;
}
