// The one way tests wait: for a state (polled with a bound) or for an event (subscribed with a
// bound), never for a fixed time. Used by every test, the testkit and bench/.
// Invariant: nothing here waits longer than the timeout it is given, and a timeout says what it
// was waiting for.

/** Polls `probe` until it returns a value, or rejects after timeoutMs naming `what`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls a cheap condition (a list another party appends to) until it holds. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => (check() ? true : undefined), what, timeoutMs, 5);
}

/** Node's EventEmitter, structurally (so typed emitters fit without a cast at every call). */
interface Emitter {
  on(name: string, listener: (...args: unknown[]) => void): unknown;
  off(name: string, listener: (...args: unknown[]) => void): unknown;
}

/** Resolves with the arguments of the first emission of `name` that satisfies `pred`. */
export function nextEmit<A extends unknown[]>(emitter: Emitter, name: string, pred: (...args: A) => boolean = () => true, timeoutMs = 5_000): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const onEmit = (...emitted: unknown[]): void => {
      const args = emitted as A;
      if (!pred(...args)) return;
      clearTimeout(timer);
      emitter.off(name, onEmit);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(name, onEmit);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`));
    }, timeoutMs);
    emitter.on(name, onEmit);
  });
}
