/** The orchestrator's handle on the load generator process (bench/generator.ts). */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, ResultOf, Response } from './protocol.js';

const SCRIPT = fileURLToPath(new URL('../generator.js', import.meta.url));

export class Generator {
  readonly #proc: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  #rid = 0;
  #exited = false;

  constructor() {
    this.#proc = fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    this.#proc.on('message', (m: Response) => {
      const p = this.#pending.get(m.rid);
      if (!p) return;
      this.#pending.delete(m.rid);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`generator: ${m.error}`));
    });
    this.#proc.on('exit', (code, signal) => {
      this.#exited = true;
      for (const p of this.#pending.values()) p.reject(new Error(`the load generator exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#proc.pid!;
  }

  run<C extends Command>(cmd: C): Promise<ResultOf<C>> {
    if (this.#exited) return Promise.reject(new Error('the load generator has exited'));
    const rid = ++this.#rid;
    return new Promise((resolve, reject) => {
      this.#pending.set(rid, { resolve, reject });
      this.#proc.send({ ...cmd, rid });
    });
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    const gone = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.disconnect();
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
