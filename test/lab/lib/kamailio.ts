// Kamailio control for tests: inspect/drop registrations, and kill/restart it for fault injection.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { labCli, labPaths, type CliResult } from './paths.js';

export interface RegContact {
  address: string;
  expires: number;
  received?: string;
  userAgent?: string;
  /** Kamailio's local socket, e.g. udp:127.0.0.1:5060 */
  socket?: string;
  callId?: string;
  instance?: string;
}

export interface Registration {
  /** User part (usrloc runs without domains: AoR "9001") */
  aor: string;
  contacts: RegContact[];
}

/** Run `kamcmd -s unix:<.lab>/kamailio_ctl <args>`. */
export function kamcmd(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('kamcmd', ['-s', `unix:${labPaths().kamailioCtl}`, ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** kamcmd's output, or an error naming the command; `notFoundOk`: "not found" is fine (gone either way). */
async function kamcmdOk(args: string[], opts: { notFoundOk?: boolean } = {}): Promise<string> {
  const r = await kamcmd(...args);
  if (r.code !== 0 && !(opts.notFoundOk && /not found/i.test(r.stderr + r.stdout))) {
    throw new Error(`kamcmd ${args[0]} failed: ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

/** Parse kamcmd's `ul.dump` text (nested "Key: value" blocks). */
export function parseUlDump(text: string): Registration[] {
  const regs: Registration[] = [];
  let reg: Registration | undefined;
  let contact: RegContact | undefined;
  for (const raw of text.split('\n')) {
    const m = /^\s*([A-Za-z-]+):\s*(.*)$/.exec(raw);
    if (!m) continue;
    const key = m[1] ?? '';
    const value = (m[2] ?? '').trim();
    if (key === 'AoR') {
      reg = { aor: value, contacts: [] };
      regs.push(reg);
      contact = undefined;
    } else if (key === 'Address' && reg) {
      contact = { address: value, expires: 0 };
      reg.contacts.push(contact);
    } else if (contact) {
      if (key === 'Expires') contact.expires = Number(value);
      else if (key === 'Received' && value !== '[not set]') contact.received = value;
      else if (key === 'User-Agent') contact.userAgent = value;
      else if (key === 'Socket') contact.socket = value;
      else if (key === 'Call-ID') contact.callId = value;
      else if (key === 'Instance' && value !== '[not set]') contact.instance = value;
    }
  }
  return regs;
}

function aorUser(aor: string): string {
  return aor.replace(/^sips?:/, '').replace(/@.*$/, '');
}

/** Current registrations, optionally of one AoR ("9001" or "sip:9001@127.0.0.1"). */
export async function registrations(aor?: string): Promise<Registration[]> {
  const all = parseUlDump(await kamcmdOk(['ul.dump']));
  return aor === undefined ? all : all.filter((x) => x.aor === aorUser(aor));
}

/** One publication the presence server holds (kamcmd presence.presentity_list). */
export interface Presentity {
  user: string;
  etag: string;
  /** Unix seconds */
  expires: number;
}

/** Publications Kamailio's presence server holds now, optionally of one user. */
export async function presentities(user?: string): Promise<Presentity[]> {
  const all = (await kamcmdOk(['presence.presentity_list']))
    .split('}')
    .map((block) => Object.fromEntries([...block.matchAll(/^[ \t]*(\w+):[ \t]*(.*)$/gm)].map((m) => [m[1], (m[2] ?? '').trim()])))
    .filter((f) => f.user !== undefined)
    .map((f) => ({ user: String(f.user), etag: String(f.etag ?? ''), expires: Number(f.expires) }));
  return user === undefined ? all : all.filter((p) => p.user === aorUser(user));
}

/** Remove every contact of a user from the location table (the phone does not notice). */
export async function dropRegistration(user: string): Promise<void> {
  await kamcmdOk(['ul.rm', 'location', `s:${aorUser(user)}`], { notFoundOk: true });
}

/**
 * Register a contact by hand (no REGISTER): e.g. a sipp UAS, which cannot register itself.
 * Kamailio then forks calls for `user` to it like to any other contact.
 */
export async function addRegistration(user: string, contact: string, expiresSec = 600): Promise<void> {
  // ul.add table AOR contact expires q path flags cflags methods: q must be a float ("1.0"), path a string
  // (empty: "s:"); kamcmd turns bare numbers into ints and rejects the call otherwise.
  await kamcmdOk(['ul.add', 'location', `s:${aorUser(user)}`, `s:${contact}`, String(expiresSec), '1.0', 's:', '0', '0', '0']);
}

/** Remove one contact of a user (as shown in Registration.contacts[].address). */
export async function removeContact(user: string, contact: string): Promise<void> {
  await kamcmdOk(['ul.rm_contact', 'location', `s:${aorUser(user)}`, `s:${contact}`], { notFoundOk: true });
}

async function lab(args: string[]): Promise<void> {
  await labOutput(args);
}

async function labOutput(args: string[]): Promise<string> {
  const r = await labCli(args);
  if (r.code !== 0) throw new Error(`lab.mjs ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** SIGKILL and start again at once (a quick registrar restart, bindings lost): resolves with the downtime in ms. */
export async function bounceKamailio(): Promise<number> {
  const out = await labOutput(['bounce']);
  const m = /kamailio: down (\d+) ms/.exec(out);
  if (!m) throw new Error(`lab.mjs bounce said no downtime:\n${out}`);
  return Number(m[1]);
}

/** Start Kamailio if it is not running (waits until it answers OPTIONS). */
export const startKamailio = (): Promise<void> => lab(['up', 'kamailio']);
/** Graceful stop (SIGTERM). */
export const stopKamailio = (): Promise<void> => lab(['down', 'kamailio']);
/** SIGKILL: simulates a crash. Registrations are lost (memory only). */
export const killKamailio = (): Promise<void> => lab(['kill', 'kamailio']);
/** Stop and start again: every registration is forgotten. */
export const restartKamailio = (): Promise<void> => lab(['restart', 'kamailio']);

function portFromContact(address: string): number | undefined {
  const m = /@[^:;>]+:(\d+)/.exec(address) ?? /^sips?:[^@;>]+:(\d+)/.exec(address);
  return m?.[1] ? Number(m[1]) : undefined;
}

function localPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/**
 * Drop contacts of `user` on 127.0.0.1 whose UDP port nobody listens on any more: peers SIGKILLed by an
 * earlier crashed run would otherwise stay registered (baresip asks for 3600 s) and get forked to.
 * Returns the removed contacts.
 */
export async function pruneStaleContacts(user: string): Promise<string[]> {
  const removed: string[] = [];
  for (const reg of await registrations(user)) {
    for (const c of reg.contacts) {
      if (!/@127\.0\.0\.1[:;>]|^sips?:127\.0\.0\.1/.test(c.address)) continue;
      const port = portFromContact(c.address);
      if (port === undefined || (await localPortInUse(port))) continue;
      await removeContact(reg.aor, c.address);
      removed.push(c.address);
    }
  }
  return removed;
}
