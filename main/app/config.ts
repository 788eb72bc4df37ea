// The one config file both entries read (desktop and web host). Documented in README.md and config.example.json.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as v from 'valibot';
import { LOCALES, SIP_TRANSPORTS } from '../../shared/domain.js';

const ConfigSchema = v.strictObject({
  sip: v.strictObject({
    /** host[:port] of the registrar/proxy. */
    server: v.pipe(v.string(), v.regex(/^[A-Za-z0-9.\-[\]:]+$/, 'must be host or host:port')),
    transport: v.optional(v.picklist(SIP_TRANSPORTS), 'udp'),
    user: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
    /** Plain password (web host). The desktop app keeps it sealed by the OS keyring in passwordSealed instead. */
    password: v.optional(v.string(), ''),
    passwordSealed: v.optional(v.nullable(v.string()), null),
    displayName: v.optional(v.nullable(v.string()), null),
    /** SIP domain of the account; defaults to the server's host. */
    domain: v.optional(v.nullable(v.string()), null),
    /** CA certificate (PEM) that the TLS server's certificate must chain to. */
    tlsCaFile: v.optional(v.nullable(v.string()), null),
    /** Local address to bind SIP and RTP to and to put in Contact/SDP; null: the route to the server, re-chosen. */
    localAddress: v.optional(v.nullable(v.pipe(v.string(), v.ip())), null),
    /** Senders other than the registrar/proxy allowed to send SIP (`address`, `address:port`, or `*`). */
    allowedSources: v.optional(v.array(v.pipe(v.string(), v.regex(/^(\*|[0-9.]+(:\d{1,5})?)$/, 'must be an IPv4 address, address:port or *'))), []),
    /** RFC 4028 session timers with far ends that support them: the Session-Expires asked for (0: off). */
    sessionExpiresSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(86_400)), 1800),
  }),
  database: v.optional(v.strictObject({ path: v.string() }), { path: '~/.config/dispatch-phone/dispatch-phone.sqlite' }),
  numbers: v.optional(v.strictObject({ defaultRegion: v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, 'must be a two-letter region like RU')) }), { defaultRegion: 'RU' }),
  audio: v.optional(
    v.strictObject({
      backend: v.optional(v.picklist(['pulse', 'portaudio', 'rtaudio', 'file', 'none']), 'pulse'),
      ringDevice: v.optional(v.nullable(v.string()), null),
      talkOutputDevice: v.optional(v.nullable(v.string()), null),
      microphone: v.optional(v.nullable(v.string()), null),
      /** backend 'file': WAV played as the microphone, and a folder where what would be heard is written. */
      fileInput: v.optional(v.nullable(v.string()), null),
      fileOutputDir: v.optional(v.nullable(v.string()), null),
      /** backend 'pulse': the talk streams in process over the native protocol, or through pacat/parec subprocesses. */
      pulseStreams: v.optional(v.picklist(['native', 'pacat']), 'native'),
    }),
    { backend: 'pulse', ringDevice: null, talkOutputDevice: null, microphone: null, fileInput: null, fileOutputDir: null, pulseStreams: 'native' },
  ),
  media: v.optional(
    v.strictObject({
      rtpPortMin: v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(65534)),
      rtpPortMax: v.pipe(v.number(), v.integer(), v.minValue(1025), v.maxValue(65535)),
      /** No RTP for this long on a call not on hold: the far end is gone, the call ends (0: never). */
      rtpTimeoutSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3600)), 30),
    }),
    { rtpPortMin: 20000, rtpPortMax: 29999, rtpTimeoutSeconds: 30 },
  ),
  webHost: v.optional(
    v.strictObject({ port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)) }),
    { port: 0 },
  ),
  locale: v.optional(v.picklist(LOCALES), 'ru'),
  /** Test mode: answer every incoming call at once (used by the SIP benchmark). */
  autoAnswer: v.optional(v.boolean(), false),
});

export type PhoneConfig = v.InferOutput<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses and validates config text; relative paths are taken from the config file's folder. */
export function parseConfig(text: string, sourcePath = '<config>'): PhoneConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${sourcePath}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = v.safeParse(ConfigSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const field = v.getDotPath(issue) ?? '(top level)';
    throw new ConfigError(`${sourcePath}: field "${field}" ${issue.message}`);
  }
  const config = parsed.output;
  if (config.media.rtpPortMin >= config.media.rtpPortMax) {
    throw new ConfigError(`${sourcePath}: field "media.rtpPortMin" must be below media.rtpPortMax`);
  }
  const base = sourcePath.startsWith('<') ? process.cwd() : dirname(resolve(sourcePath));
  config.database.path = expandPath(config.database.path, base);
  if (config.sip.tlsCaFile) config.sip.tlsCaFile = expandPath(config.sip.tlsCaFile, base);
  if (config.audio.fileInput) config.audio.fileInput = expandPath(config.audio.fileInput, base);
  if (config.audio.fileOutputDir) config.audio.fileOutputDir = expandPath(config.audio.fileOutputDir, base);
  return config;
}

export function loadConfig(path: string): PhoneConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseConfig(text, path);
}

function expandPath(path: string, base: string): string {
  if (path === ':memory:') return path;
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

/** `--config FILE` from argv, else the DISPATCH_PHONE_CONFIG variable, else null. */
export function configPathFromArgs(argv: string[]): string | null {
  const index = argv.indexOf('--config');
  if (index >= 0) return argv[index + 1] ?? null;
  const inline = argv.find((a) => a.startsWith('--config='));
  if (inline) return inline.slice('--config='.length);
  return process.env.DISPATCH_PHONE_CONFIG ?? null;
}
