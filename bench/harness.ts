// What a benchmark returns: figures with units and, where a peer was measured in the same run, the peer's figure.
export interface Figure {
  /** What was measured, e.g. 'INVITE->200 p99'. */
  name: string;
  value: number;
  unit: string;
  /** The same figure for a peer (e.g. baresip) measured in the same run. */
  peer?: { name: string; value: number };
  /** The goal from the issue, if any, for the reader (not asserted). */
  goal?: string;
}

export interface Benchmark {
  description: string;
  run(args: string[]): Promise<Figure[]>;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function ratio(figure: Figure): number | null {
  return figure.peer && figure.peer.value !== 0 ? figure.value / figure.peer.value : null;
}
