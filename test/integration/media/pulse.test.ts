// Against PulseAudio with the lab's null sinks (spk/headset/micfeed, source mic, from
// test/lab/pulse/lab.pa): device listing, playback and capture through pacat/parec, and the engine's
// separate routing (ring on spk, call on headset).
//
// By default this file starts its OWN PulseAudio with the lab's lab.pa in a temp dir: the shared lab
// server is used by other tests and the demo at the same time (baresip peers and a ringing demo host
// play into spk), and these tests assert silence and exact frequencies per sink. Set
// MEDIA_TEST_PULSE=lab to run against the shared lab server instead (`node test/lab/lab.mjs up pulse`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { NaudiodonAudio } from '../../../main/media/audio/naudiodon.js';
import { PulseCliAudio } from '../../../main/media/audio/pulse-cli.js';
import { encodeWav, readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { dominant, goertzel, rms, SCAN, sine } from '../../unit/media/helpers.js';
import { waitUntil } from '../../support/wait.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const LAB_SCRIPT = path.join(REPO, 'test', 'lab', 'lab.mjs');
const LAB_PA = path.join(REPO, 'test', 'lab', 'pulse', 'lab.pa');
const USE_LAB = process.env.MEDIA_TEST_PULSE === 'lab';
let SERVER = `unix:${path.join(REPO, '.lab', 'pulse', 'native')}`;
let ownPulse: ChildProcess | null = null;
let ownPulseDir: string | null = null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const parecArgs = (source: string) => ['--raw', '--format=s16le', '--rate=8000', '--channels=1', '--latency-msec=20', `--device=${source}`];

/** Record `ms` worth of samples from a source with parec (independent of the code under test). */
function record(source: string, ms: number): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const p = spawn('parec', parecArgs(source), { env: { ...process.env, PULSE_SERVER: SERVER } });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const wanted = (ms / 1000) * 8000 * 2;
    p.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      if (bytes >= wanted) p.kill('SIGTERM');
    });
    p.on('error', reject);
    const guard = setTimeout(() => p.kill('SIGTERM'), ms + 5000);
    p.on('close', () => {
      clearTimeout(guard);
      const b = Buffer.concat(chunks);
      const out = new Int16Array(Math.floor(b.length / 2));
      for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(i * 2);
      resolve(out);
    });
  });
}

let tmp: string;
let keepers: ChildProcess[] = [];

/** A private PulseAudio with the lab's sinks; resolves once pactl can talk to it. */
async function startOwnPulse(dir: string): Promise<string> {
  const socket = path.join(dir, 'native');
  const run = path.join(dir, 'run');
  fs.mkdirSync(run, { mode: 0o700 });
  const env = { ...process.env, XDG_RUNTIME_DIR: run, HOME: dir, PULSE_SERVER: `unix:${socket}` };
  const args = ['--daemonize=no', '--exit-idle-time=-1', '--disallow-exit=yes', '--use-pid-file=no', '--realtime=no', '--high-priority=no', '-n', '-F', LAB_PA];
  args.push(`--load=module-native-protocol-unix auth-anonymous=1 socket=${socket}`);
  if (process.getuid?.() === 0) args.push('--system=no');
  ownPulse = spawn('pulseaudio', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  ownPulse.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-2000)));
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (ownPulse.exitCode !== null) break;
    if (fs.existsSync(socket) && spawnSync('pactl', ['info'], { env, timeout: 2000 }).status === 0) return `unix:${socket}`;
  }
  throw new Error(`private pulseaudio did not start: ${log}`);
}

const savedServer = process.env.PULSE_SERVER;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'media-pulse-'));
  if (USE_LAB) {
    if (fs.existsSync(LAB_SCRIPT)) {
      const r = spawnSync(process.execPath, [LAB_SCRIPT, 'up', 'pulse'], { encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`lab up pulse failed: ${r.stdout}${r.stderr}`);
    }
  } else {
    ownPulseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-'));
    SERVER = await startOwnPulse(ownPulseDir);
  }
  process.env.PULSE_SERVER = SERVER;
  // An idle null sink renders in blocks of up to 2 s (its maximum latency): a stream that connects
  // then waits up to ~2 s for its first data. Low-latency recorders kept open on every monitor keep
  // the sinks in 20 ms mode for the whole file, as a real sound card would be.
  keepers = ['spk.monitor', 'headset.monitor', 'micfeed.monitor', 'mic'].map((d) =>
    spawn('parec', parecArgs(d), { env: { ...process.env, PULSE_SERVER: SERVER }, stdio: ['ignore', 'ignore', 'ignore'] }),
  );
  await sleep(2500);
});

afterAll(async () => {
  // The integration files share one process: the next file must not inherit this file's server.
  if (savedServer === undefined) delete process.env.PULSE_SERVER;
  else process.env.PULSE_SERVER = savedServer;
  for (const k of keepers) k.kill('SIGTERM');
  if (ownPulse && ownPulse.exitCode === null) {
    const gone = new Promise((r) => ownPulse!.once('exit', r));
    ownPulse.kill('SIGTERM');
    await Promise.race([gone, sleep(3000)]);
  }
  if (ownPulseDir) fs.rmSync(ownPulseDir, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('PulseCliAudio on the lab server', () => {
  it('lists the lab sinks and the mic source (monitors only on request)', async () => {
    const port = new PulseCliAudio({ server: SERVER });
    const list = await port.refresh();
    expect(list.error).toBeNull();
    const outs = list.outputs.map((d) => d.id);
    expect(outs).toEqual(expect.arrayContaining(['spk', 'headset', 'micfeed']));
    expect(list.outputs.find((d) => d.id === 'headset')?.name).toBe('LabHeadset');
    expect(list.outputs.find((d) => d.id === 'spk')?.isDefault).toBe(true);
    expect(list.inputs.map((d) => d.id)).toContain('mic');
    expect(list.inputs.find((d) => d.id === 'mic')?.isDefault).toBe(true);
    expect(list.inputs.some((d) => d.id.endsWith('.monitor'))).toBe(false);
    const withMonitors = await new PulseCliAudio({ server: SERVER, includeMonitors: true }).refresh();
    expect(withMonitors.inputs.map((d) => d.id)).toContain('headset.monitor');
  });

  it('reports an unreachable server as an error, not a throw', async () => {
    const list = await new PulseCliAudio({ server: 'unix:/nonexistent/native' }).refresh();
    expect(list.outputs).toEqual([]);
    expect(list.error).toMatch(/PulseAudio/);
  });

  it('a 1000 Hz tone played to headset is recorded back from headset.monitor (and not on spk)', async () => {
    const port = new PulseCliAudio({ server: SERVER });
    const rec = port.openInput('headset.monitor', { rate: 8000 });
    const spk = record('spk.monitor', 1600);
    const got: Int16Array[] = [];
    const poll = setInterval(() => {
      const n = rec.available();
      const pcm = n > 0 ? rec.read(n) : null;
      if (pcm) got.push(pcm);
    }, 20);
    await sleep(200);
    const out = port.openOutput('headset', { rate: 8000 });
    const tone = sine(1000, 1, 8000, 0.5);
    for (let i = 0; i < tone.length; i += 160) out.write(tone.subarray(i, i + 160));
    await sleep(1300);
    clearInterval(poll);
    out.close();
    rec.close();
    port.close();
    const total = Int16Array.from(got.flatMap((x) => Array.from(x)));
    expect(total.length).toBeGreaterThan(8000);
    expect(rms(total)).toBeGreaterThan(2000);
    const peak = dominant(total, SCAN);
    expect(peak.freq).toBe(1000);
    expect(peak.share).toBeGreaterThan(0.8);
    const onSpk = await spk;
    expect(rms(onSpk)).toBeLessThan(50);
  });
});

describe('device names as the dispatcher reads them', () => {
  // pactl 16's JSON (--format=json) prints any description with a non-ASCII letter as "(null)".
  it.skipIf(USE_LAB)('a headset described in Russian is listed by its Russian name, under a Russian-speaking pactl too', async () => {
    const pactl = (...args: string[]) => spawnSync('pactl', args, { env: { ...process.env, PULSE_SERVER: SERVER }, encoding: 'utf8' });
    const load = pactl('load-module', 'module-null-sink', 'sink_name=garnitura', `sink_properties='device.description="Гарнитура Jabra"'`);
    expect(load.status).toBe(0);
    const saved = { LANGUAGE: process.env.LANGUAGE, LANG: process.env.LANG };
    try {
      // pactl's own words in Russian (its translation ships with it): what we read of it must not depend on them.
      process.env.LANGUAGE = 'ru';
      process.env.LANG = 'C.UTF-8';
      const list = await new PulseCliAudio({ server: SERVER, includeMonitors: true }).refresh();
      expect(list.error).toBeNull();
      expect(list.outputs.find((d) => d.id === 'garnitura')?.name).toBe('Гарнитура Jabra');
      expect(list.inputs.find((d) => d.id === 'garnitura.monitor')?.name).toBe('Monitor of Гарнитура Jabra');
      expect(list.outputs.find((d) => d.id === 'spk')?.isDefault).toBe(true);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      pactl('unload-module', load.stdout.trim());
    }
  });
});

describe('hot-plug', () => {
  it.skipIf(USE_LAB)('a headset plugged in mid-shift shows up on refreshDevices(); unplugged, talk falls back to the default', async () => {
    const pactl = (...args: string[]) => spawnSync('pactl', args, { env: { ...process.env, PULSE_SERVER: SERVER }, encoding: 'utf8' });
    const engine = await MediaEngine.create({ audio: { backend: 'pulse', server: SERVER }, routing: { talkOutputDeviceId: 'usbheadset' } });
    try {
      expect(engine.devices().outputs.map((d) => d.id)).not.toContain('usbheadset');
      const load = pactl('load-module', 'module-null-sink', 'sink_name=usbheadset', 'sink_properties=device.description=USBHeadset');
      expect(load.status).toBe(0);
      const moduleId = load.stdout.trim();
      const plugged = await engine.refreshDevices();
      expect(plugged.outputs.find((d) => d.id === 'usbheadset')?.name).toBe('USBHeadset');
      expect(plugged.routing.talkOutputDeviceId).toBe('usbheadset'); // the preference is kept
      expect(pactl('unload-module', moduleId).status).toBe(0);
      const unplugged = await engine.refreshDevices();
      expect(unplugged.outputs.map((d) => d.id)).not.toContain('usbheadset');
      expect(unplugged.routing.talkOutputDeviceId).toBe('usbheadset'); // still preferred, used when it returns
    } finally {
      await engine.close();
    }
  });
});

describe('NaudiodonAudio (PortAudio -> ALSA pulse plugin)', () => {
  it('lists ALSA devices and plays through the pulse plugin to the default sink (spk)', async () => {
    const port = new NaudiodonAudio();
    const list = await port.refresh();
    expect(list.error).toBeNull();
    const pulse = list.outputs.find((d) => d.id === 'pa:pulse') ?? list.outputs.find((d) => d.id === 'pa:default');
    expect(pulse).toBeDefined();
    const rec = record('spk.monitor', 1500);
    await sleep(100);
    const out = port.openOutput(pulse!.id, { rate: 8000 });
    const tone = sine(1000, 1.5, 8000, 0.5);
    for (let i = 0; i < tone.length; i += 1600) out.write(tone.subarray(i, i + 1600));
    const got = await rec;
    out.close();
    port.close();
    expect(dominant(got, SCAN).freq).toBe(1000);
    // refresh while idle re-initialises PortAudio (hot-plug); the list is not stale
    await port.refresh();
    expect(port.stale).toBe(false);
  });
});

describe('MediaEngine routing on PulseAudio', () => {
  it("a call's received audio plays on headset while the ringer rings on spk; the mic is captured from mic", async () => {
    const toneFile = path.join(tmp, 'tone1000.wav');
    fs.writeFileSync(toneFile, encodeWav(sine(1000, 2), 8000));
    const peerDir = path.join(tmp, 'peer');
    fs.mkdirSync(peerDir);
    // the dispatcher's engine on PulseAudio; the far end is a headless engine playing 1000 Hz
    const phone = await MediaEngine.create({
      audio: { backend: 'pulse', server: SERVER },
      routing: { ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' },
    });
    const peer = await MediaEngine.create({ audio: { backend: 'file', inputs: { tone: toneFile }, outputs: ['talk'], outputDir: peerDir }, routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk' } });
    expect(phone.devices().routing).toEqual({ ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' });
    const sa = phone.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 33000, rtpPortMax: 33100 })({} as Session) as MediaSessionDescriptionHandler;
    const sb = peer.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 33200, rtpPortMax: 33300 })({} as Session) as MediaSessionDescriptionHandler;
    // feed the lab microphone with 440 Hz: mic = remap of micfeed.monitor
    const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--device=micfeed'], { env: { ...process.env, PULSE_SERVER: SERVER } });
    const feedTone = Buffer.from(sine(440, 4, 8000, 0.5).buffer);
    feed.stdin.write(feedTone);
    try {
      const recSpk = record('spk.monitor', 2000);
      await sleep(150);
      phone.ringer.setMode('ringing');
      const offer = await sb.getDescription();
      await sa.setDescription(offer.body);
      const answer = await sa.getDescription();
      await sb.setDescription(answer.body);
      // The headset is recorded once the call's audio flows: on a loaded machine the media can start a second
      // late, and a recording of mostly silence names a noise frequency as its strongest.
      await waitUntil(() => sa.stats().packetsReceived > 5, { timeoutMs: 5000, what: 'RTP from the far end' });
      const [headset, spk] = await Promise.all([record('headset.monitor', 1500), recSpk]);
      phone.ringer.setMode('silent');
      // ring tone (425 Hz) on the speaker only, call audio (1000 Hz) on the headset only
      expect(dominant(spk, SCAN).freq).toBe(425);
      expect(dominant(headset, SCAN).freq).toBe(1000);
      expect(goertzel(headset, 425)).toBeLessThan(goertzel(headset, 1000) / 100);
      expect(goertzel(spk, 1000)).toBeLessThan(goertzel(spk, 425) / 100);
      // RTP both ways (a count, not a rate: the call is not timed here)
      await waitUntil(() => sa.stats().packetsReceived > 40 && sa.stats().packetsSent > 40, { timeoutMs: 5000, what: 'RTP both ways' });
    } finally {
      feed.kill('SIGKILL');
      sa.close();
      sb.close();
      await phone.close();
      await peer.close();
    }
    // what the phone captured from `mic` reached the far end
    const heard = readWav(path.join(peerDir, 'talk.wav'));
    const tail = heard.samples.subarray(Math.min(4000, heard.samples.length));
    expect(rms(tail)).toBeGreaterThan(1000);
    expect(dominant(tail, SCAN).freq).toBe(440);
  });

  it('re-routing the talk output mid-call moves the audio to the other sink; silent stops the ringer at once', async () => {
    const toneFile = path.join(tmp, 'tone1000b.wav');
    fs.writeFileSync(toneFile, encodeWav(sine(1000, 2), 8000));
    const phone = await MediaEngine.create({ audio: { backend: 'pulse', server: SERVER }, routing: { ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' } });
    const peer = await MediaEngine.create({ audio: { backend: 'file', inputs: { tone: toneFile } }, routing: { microphoneDeviceId: 'tone' } });
    const sa = phone.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 33400, rtpPortMax: 33500 })({} as Session) as MediaSessionDescriptionHandler;
    const sb = peer.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 33600, rtpPortMax: 33700 })({} as Session) as MediaSessionDescriptionHandler;
    try {
      const offer = await sb.getDescription();
      await sa.setDescription(offer.body);
      await sb.setDescription((await sa.getDescription()).body);
      await sleep(300);
      phone.setRouting({ ringDeviceId: 'spk', talkOutputDeviceId: 'spk', microphoneDeviceId: 'mic' });
      await sleep(300);
      const [headset, spk] = await Promise.all([record('headset.monitor', 1000), record('spk.monitor', 1000)]);
      expect(dominant(spk, SCAN).freq).toBe(1000);
      expect(rms(headset)).toBeLessThan(50);
      // the ringer: silent means silent now, not after the buffered second
      phone.ringer.setMode('ringing');
      await sleep(300);
      phone.ringer.setMode('silent');
      phone.setRouting({ ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' });
      await sleep(150);
      const after = await record('spk.monitor', 500);
      expect(goertzel(after, 425)).toBeLessThan(1);
    } finally {
      sa.close();
      sb.close();
      await phone.close();
      await peer.close();
    }
  });
});
