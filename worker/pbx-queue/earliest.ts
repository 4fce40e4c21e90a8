// The sooner of optional instants: how the queue picks its one alarm among the desks' next timed work.

/** The earliest defined instant (epoch ms), or undefined when none is. */
export function earliest(...instants: Array<number | undefined>): number | undefined {
  let min: number | undefined;
  for (const t of instants) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}
