// Young-generation garbage collections at quiet moments. V8 collects the young generation when it fills,
// which is whenever the allocation that fills it happens: most often in the middle of handling a SIP
// message, since that is where this process allocates. Each such pause (0.5-1 ms here) lands on the INVITE
// -> 180 -> 200 path. Collecting it ourselves while no SIP traffic is moving keeps those pauses off it.
// The main thread only: RTP runs in the media worker, which has its own heap.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

export interface IdleScavengerOptions {
  /** Unused (it looked this often while watching); kept so that callers' options still type-check. */
  intervalMs?: number;
  /** Quiet for at least this long (ms since the last activity) before collecting. */
  quietMs?: number;
  /** Collect once the young generation is at least this full (0..1). */
  threshold?: number;
  /** The second look, this long (ms) after the last activity, when changed() was called; then none until the next (default 2000). */
  watchMs?: number;
}

export interface IdleScavenger {
  /** Something latency-sensitive happened (a SIP message in or out): hold off. Looked at on the next tick() (or changed()'s looks). */
  activity(): void;
  /** The phone's state changed (what follows allocates: the state published, the history written): look soon, and a second time. */
  changed(): void;
  /** A moment the process is awake anyway (the SIP account's 15 s clock, just before it sends): look now if things are quiet. */
  tick(): void;
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

/** A timer fires up to a few ms before performance.now() says it is due (libuv counts from the loop's cached time). */
const EARLY_MS = 2;

/**
 * It looks (collects if the young generation is `threshold` full) at moments when the process is awake anyway
 * and SIP is quiet: on each tick() (the account's 15 s clock, before it sends its fetch), and after a burst that
 * changed the phone's state (changed(): its aftermath allocates, the state published, the history written)
 * once the burst has been quiet for `quietMs`, and again `watchMs` after it. A burst that changed nothing (the
 * idle phone's binding fetch and its answer, a refresh) arms no timer: its garbage is looked at on the next
 * tick, 15 s later, when it is the same garbage (nothing else allocates meanwhile), so the young generation
 * is no fuller when the next INVITE comes than after a look 50 ms after the fetch, less one fetch's
 * garbage (tens of KB of a generation of MBs); each such look cost a wake-up of its own (strace: 2-4, the
 * early-firing timer re-armed itself). Between bursts no timer runs. */
export function startIdleScavenger(options: IdleScavengerOptions = {}): IdleScavenger {
  const quietMs = options.quietMs ?? 50;
  const threshold = options.threshold ?? 0.3;
  const watchMs = options.watchMs ?? 2000;
  const gc = exposedGc();
  let lastActivity = performance.now();
  let collections = 0;
  let timer: NodeJS.Timeout | null = null;
  let due = 0;
  let stopped = false;
  let watch = false;
  const schedule = (ms: number) => {
    due = performance.now() + ms;
    timer = setTimeout(look, ms);
    timer.unref();
  };
  const collect = () => {
    if (youngGenerationFill() >= threshold) {
      gc!({ type: 'minor' });
      collections++;
    }
  };
  function look(): void {
    timer = null;
    const quiet = performance.now() - lastActivity;
    if (quiet < quietMs - EARLY_MS) return schedule(quietMs - quiet); // traffic since: wait for the quiet
    collect();
    if (watch && quiet < watchMs - EARLY_MS) schedule(watchMs - quiet);
    else watch = false;
  }
  const arm = () => {
    if (!gc || stopped) return;
    if (timer && due <= performance.now() + quietMs) return; // the next look is soon enough
    if (timer) clearTimeout(timer); // only the end-of-watch look was pending: look sooner
    schedule(quietMs);
  };
  return {
    activity() {
      lastActivity = performance.now();
    },
    changed() {
      watch = true;
      arm();
    },
    tick() {
      if (!gc || stopped || timer) return; // a look of changed()'s is due: it will do
      if (performance.now() - lastActivity >= quietMs) collect();
    },
    get collections() {
      return collections;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
