// Who is online, as the phone book shows it. The rule, in one place:
// - an employee is online only when the SIP server said so (a NOTIFY with an open tuple); silence,
//   a lost subscription or a server without presence is "not known", never "online";
// - an employee without a SIP address has no presence at all (nobody can know);
// - the dispatcher herself is not her own colleague: her address never carries a mark, whatever the
//   server says about it (her own PUBLISH, or the registrar's, comes back after a restart).
/** A SIP URI reduced to user@host (no scheme, no parameters, lower case) for presence look-ups. */
export function presenceKey(uri: string): string {
  return uri
    .trim()
    .replace(/^<|>$/g, '')
    .replace(/^sips?:/i, '')
    .split(/[;?]/)[0]!
    .toLowerCase();
}

/** What the phone book shows for one employee: true online, false offline, null no presence known. */
export type PresenceMark = boolean | null;

/** user@host of a SIP address with no port, for telling the dispatcher's own address apart. */
function addressWithoutPort(key: string): string {
  return key.replace(/:\d+$/, '');
}

export class PresenceBook {
  private readonly said = new Map<string, boolean>();
  private own: string | null = null;
  private changes = 0;

  /** Moves whenever any mark may have changed (the phone book caches who is online by it). */
  get version(): number {
    return this.changes;
  }

  /** The presence keys the server said are online. */
  *onlineKeys(): IterableIterator<string> {
    for (const [key, online] of this.said) if (online) yield key;
  }

  /** The dispatcher's own address of record (sip:user@domain). */
  setOwnAddress(sipUri: string | null): void {
    this.own = sipUri ? addressWithoutPort(presenceKey(sipUri)) : null;
    this.changes++;
    if (this.own !== null) for (const key of [...this.said.keys()]) if (this.isOwn(key)) this.said.delete(key);
  }

  isOwn(key: string): boolean {
    // Asked for every employee of a search: the prefix test first, the regex only for a near match.
    return this.own !== null && key.startsWith(this.own) && addressWithoutPort(key) === this.own;
  }

  /** What the server said about this address; null forgets it (unknown again). */
  set(sipUri: string, online: boolean | null): void {
    const key = presenceKey(sipUri);
    this.changes++;
    if (online === null || this.isOwn(key)) this.said.delete(key);
    else this.said.set(key, online);
  }

  /** Forget everything (the server does not do presence, or lost it). */
  clear(): void {
    this.said.clear();
    this.changes++;
  }

  /** The mark for an employee by the presence key of their SIP address (null = they have none). */
  markOf(key: string | null): PresenceMark {
    if (key === null || this.isOwn(key)) return null;
    return this.said.get(key) ?? null;
  }

  /** Online means: the server said so, for a colleague with a SIP address. */
  isOnline(key: string | null): boolean {
    return this.markOf(key) === true;
  }
}
