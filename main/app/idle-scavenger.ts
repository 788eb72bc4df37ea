// Young-generation garbage collections at quiet moments. V8 collects the young generation when it fills,
// which is whenever the allocation that fills it happens: most often in the middle of handling a SIP
// message, since that is where this process allocates. Each such pause (0.5-1 ms here) lands on the INVITE
// -> 180 -> 200 path. Collecting it ourselves while no SIP traffic is moving keeps those pauses off it.
// The main thread only: RTP runs in the media worker, which has its own heap.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

export interface IdleScavengerOptions {
  /** How often to look (ms). */
  intervalMs?: number;
  /** Quiet for at least this long (ms since the last activity) before collecting. */
  quietMs?: number;
  /** Collect once the young generation is at least this full (0..1). */
  threshold?: number;
}

export interface IdleScavenger {
  /** Something latency-sensitive happened (a SIP message in or out): hold off. */
  activity(): void;
  readonly collections: number;
  stop(): void;
}

let cachedGc: Gc | null | undefined;

/** V8's gc(), exposed on demand; null when this runtime refuses (then the scavenger does nothing). */
function exposedGc(): Gc | null {
  if (cachedGc !== undefined) return cachedGc;
  try {
    v8.setFlagsFromString('--expose-gc');
    // The main context was created before the flag; a new context gets gc().
    const gc = runInNewContext('gc') as unknown;
    cachedGc = typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc;
}

function youngGenerationFill(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space && space.space_size > 0 ? space.space_used_size / space.space_size : 0;
}

export function startIdleScavenger(options: IdleScavengerOptions = {}): IdleScavenger {
  const intervalMs = options.intervalMs ?? 100;
  const quietMs = options.quietMs ?? 50;
  const threshold = options.threshold ?? 0.3;
  const gc = exposedGc();
  let lastActivity = 0;
  let collections = 0;
  const timer = gc
    ? setInterval(() => {
        if (performance.now() - lastActivity < quietMs) return;
        if (youngGenerationFill() < threshold) return;
        gc({ type: 'minor' });
        collections++;
      }, intervalMs)
    : null;
  timer?.unref();
  return {
    activity() {
      lastActivity = performance.now();
    },
    get collections() {
      return collections;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
