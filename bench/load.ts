// A bounded HTTP load loop on loopback: `total` requests with `concurrency` in flight, returning
// per-request latencies and the achieved rate. Used for the Worker benchmarks and the baseline alike.
export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  latenciesMs: number[];
}

export async function load(total: number, concurrency: number, one: (i: number) => Promise<boolean>): Promise<LoadResult> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      const good = await one(i).catch(() => false);
      latenciesMs.push(performance.now() - t0);
      if (good) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { ok, failed, seconds, perSecond: ok / seconds, latenciesMs };
}
