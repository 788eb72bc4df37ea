// No ghost calls: over UDP anyone can send to our SIP port (scanners such as sipvicious's svmap/svwar do,
// all day, on any address that answers). By default only the registrar/proxy we registered through may
// talk to us: its address and port, or its address with a top Via whose sent-by is that proxy (a proxy
// sending from another of its sockets). Anything else is dropped before sip.js or the early 180 see it:
// it never rings and never reaches the history.
//
// Dropped, not answered 403: an answer tells a scanner a phone lives here (svmap finds phones by their
// answers to OPTIONS), the source of a UDP datagram may be forged (a 403 would be sent to a victim), and
// the one sender we talk to never needs it. Each dropping source is logged once, with a count, and the
// counts again in a summary line at most once a minute while more arrive.
import { isIP } from 'node:net';

export interface SourceGateOptions {
  /** Other sources allowed: `address` or `address:port`; `*` allows everyone. */
  allowed?: readonly string[];
  log: (message: string) => void;
  now?: () => number;
  summaryIntervalMs?: number;
}

interface Dropped {
  count: number;
  reported: number;
  firstMethod: string;
}

const MAX_SOURCES = 1000;

export class SourceGate {
  private server: { address: string; port: number } | null = null;
  private readonly any: boolean;
  private readonly addresses = new Set<string>();
  private readonly endpoints = new Set<string>();
  private readonly dropped = new Map<string, Dropped>();
  private lastSummary = 0;
  /** Messages dropped in all (tests and diagnostics). */
  droppedCount = 0;

  constructor(private readonly o: SourceGateOptions) {
    this.any = (o.allowed ?? []).includes('*');
    for (const entry of o.allowed ?? []) {
      if (entry === '*') continue;
      if (isIP(entry)) this.addresses.add(entry);
      else this.endpoints.add(entry);
    }
  }

  /** The proxy we send to (its resolved address), set by the transport on each connect. */
  setServer(address: string, port: number): void {
    this.server = { address, port };
  }

  /** May this datagram reach sip.js? `topVia`: its top Via value (requests through a proxy carry the proxy's). */
  admits(address: string, port: number, text: string): boolean {
    if (this.any || this.isProxy(address, port, text) || this.addresses.has(address) || this.endpoints.has(`${address}:${port}`)) return true;
    this.drop(`${address}:${port}`, text);
    return false;
  }

  /** Dropping sources with their counts (tests and diagnostics). */
  droppedSources(): Record<string, number> {
    return Object.fromEntries([...this.dropped].map(([k, d]) => [k, d.count]));
  }

  private isProxy(address: string, port: number, text: string): boolean {
    const s = this.server;
    if (!s || address !== s.address) return false;
    if (port === s.port) return true;
    const via = /\r\n(?:Via|v)[ \t]*:[ \t]*SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+([^;:,\s]+)/i.exec(text);
    return via?.[1] === s.address;
  }

  private drop(source: string, text: string): void {
    this.droppedCount++;
    const now = (this.o.now ?? Date.now)();
    let d = this.dropped.get(source);
    if (!d) {
      if (this.dropped.size >= MAX_SOURCES) this.dropped.delete(this.dropped.keys().next().value as string);
      const method = /^([A-Z]+) /.exec(text)?.[1] ?? (text.startsWith('SIP/2.0') ? 'a response' : 'a datagram');
      d = { count: 0, reported: 1, firstMethod: method };
      this.dropped.set(source, d);
      d.count = 1;
      if (this.lastSummary === 0) this.lastSummary = now;
      this.o.log(`SIP: dropped ${method} from ${source}, which is not our proxy (sip.allowedSources); further ones from there are counted`);
      return;
    }
    d.count++;
    if (now - this.lastSummary >= (this.o.summaryIntervalMs ?? 60_000)) {
      this.lastSummary = now;
      const grown = [...this.dropped].filter(([, x]) => x.count > x.reported);
      for (const [, x] of grown) x.reported = x.count;
      if (grown.length > 0) this.o.log(`SIP: dropped from sources that are not our proxy: ${grown.map(([k, x]) => `${k} ${x.count}`).join(', ')}`);
    }
  }
}
