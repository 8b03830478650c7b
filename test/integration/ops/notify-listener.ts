/**
 * A stand-in for systemd's notify socket: a unix datagram socket (which Node cannot bind, so
 * a small python3 program does), reporting every message with the sender's credentials and
 * closing the file descriptors a BARRIER=1 message carries, as systemd does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const LISTENER = String.raw`
import array, json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": sys.argv[1]}), flush=True)
while True:
    msg, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(12))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
    print(json.dumps({"message": msg.decode("utf-8", "replace"), "pid": pid}), flush=True)
`;

export interface NotifyMessage {
  /** KEY=value assignments of one datagram. */
  fields: Record<string, string>;
  /** Sender pid from SCM_CREDENTIALS. */
  pid: number | null;
  at: number;
}

export interface NotifyListener {
  socket: string;
  messages: NotifyMessage[];
  /** Resolves with the first message (past or future) that satisfies `match`. */
  waitFor(match: (m: NotifyMessage) => boolean, what: string, timeoutMs?: number): Promise<NotifyMessage>;
  close(): void;
}

export function python3Available(): boolean {
  return spawnSync('python3', ['-c', 'import socket; socket.SCM_CREDENTIALS'], { stdio: 'ignore' }).status === 0;
}

export async function startNotifyListener(): Promise<NotifyListener> {
  const dir = mkdtempSync(join(tmpdir(), 'notify-'));
  const socket = join(dir, 'notify.sock');
  const proc = spawn('python3', ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: NotifyMessage[] = [];
  const waiters = new Set<{ match: (m: NotifyMessage) => boolean; resolve: (m: NotifyMessage) => void }>();
  let listening!: () => void;
  const bound = new Promise<void>((resolve, reject) => {
    listening = resolve;
    proc.once('exit', (code) => reject(new Error(`notify listener exited with ${code}`)));
  });
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const data = JSON.parse(line) as { listening?: string; message?: string; pid?: number | null };
    if (data.listening) return listening();
    const fields: Record<string, string> = {};
    for (const assignment of (data.message ?? '').split('\n')) {
      const eq = assignment.indexOf('=');
      if (eq > 0) fields[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
    if (fields.BARRIER === '1') return; // the tool's wait-until-processed round trip, not a state
    const m: NotifyMessage = { fields, pid: data.pid ?? null, at: Date.now() };
    messages.push(m);
    for (const w of waiters) if (w.match(m)) (waiters.delete(w), w.resolve(m));
  });
  await bound;
  return {
    socket,
    messages,
    waitFor(match, what, timeoutMs = 20000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (m: NotifyMessage) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(messages.map((x) => x.fields))}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close() {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
