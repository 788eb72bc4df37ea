// The phone book's revision (PhoneState.directoryRevision) on its own. It moves with every batch of presence
// changes, up to four times a second for the ~100 s of the start-up flood (every employee's first NOTIFY):
// a state that differs from the drawn one only there must not re-render the whole screen, the call list
// included, just the phone books that search again (bench/ui: INVITE -> row painted).
import { useContext, useEffect, useState } from 'preact/hooks';
import type { PhoneState } from '../../shared/state.js';
import { createContext } from 'preact';

export class DirectoryRevision {
  private value: number;
  private readonly listeners = new Set<(revision: number) => void>();

  constructor(initial = 0) {
    this.value = initial;
  }

  get(): number {
    return this.value;
  }

  set(revision: number): void {
    if (revision === this.value) return;
    this.value = revision;
    for (const listener of this.listeners) listener(revision);
  }

  subscribe(listener: (revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Whether two states differ in nothing the screen draws from (their version and directoryRevision aside). */
export function sameButDirectory(a: PhoneState, b: PhoneState): boolean {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof PhoneState>) {
    if (key === 'version' || key === 'directoryRevision') continue;
    if (!deepEqual(a[key], b[key])) return false;
  }
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}

export const DirectoryRevisionContext = createContext<DirectoryRevision>(new DirectoryRevision());

/** The phone book's current revision: re-renders only its caller when it moves. */
export function useDirectoryRevision(): number {
  const source = useContext(DirectoryRevisionContext);
  const [revision, setRevision] = useState(() => source.get());
  useEffect(() => {
    setRevision(source.get());
    return source.subscribe(setRevision);
  }, [source]);
  return revision;
}
