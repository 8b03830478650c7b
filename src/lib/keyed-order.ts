/**
 * Tasks run in arrival order per key, each optionally after a gate (a promise it must wait
 * for). A task with no gate and nothing pending before it on its key runs at once, in the
 * caller's turn, so the common case adds no delay and keeps its place among other listeners.
 * A gate that rejects still lets its task run: the gate delays, it never drops.
 */
export class KeyedOrder {
  readonly #tails = new Map<string, Promise<void>>();

  run(key: string, task: () => void, gate?: Promise<unknown>): void {
    const before = this.#tails.get(key);
    if (!gate && !before) {
      task();
      return;
    }
    const tail = (before ?? Promise.resolve())
      .then(() => gate)
      .then(task, task)
      .catch(() => undefined); // a throwing task must not stop the ones after it
    this.#tails.set(key, tail);
    void tail.then(() => this.#tails.get(key) === tail && this.#tails.delete(key));
  }

  /** Keys with a task waiting. */
  get pending(): number {
    return this.#tails.size;
  }
}
