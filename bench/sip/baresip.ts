// A baresip for bench/sip: auto-answer only, no control socket, no recordings, and a player that neither blocks
// nor burns CPU. The lab's startBaresip offers `alsa,pulse` (after each call baresip drains the Pulse stream and its
// main loop stalls 1-2 s, so INVITEs that arrive meanwhile wait: at a call every 0.5 s that measures the stall, not
// the answer) or `alsa,null` (no clock: a whole core per call, which would slow the app beside it). Here the player
// is `aubridge` with no matching source: the device is opened and closed like any other, nothing pulls from it.
// Sending is real: aufile reads the WAV and G.711 RTP goes out at 20 ms ptime.
import fs from 'node:fs';
import path from 'node:path';
import { LAB_PASSWORD, SIP_HOST, allocPortBlock, labPaths, pruneStaleContacts, registrations, waitUntil } from '../../test/lab/peers.js';
import { baresipCoreConfig } from '../../test/lab/lib/baresip.js';
import { spawnTracked, type Tracked } from '../../test/lab/lib/procs.js';

export interface BenchBaresip {
  user: string;
  port: number;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export interface BenchBaresipOptions {
  user: string;
  audioFile: string;
  maxCalls: number;
  player: 'aubridge' | 'pulse';
  /**
   * bench/media: the microphone too through PulseAudio (`alsa,pulse` instead of the WAV file), and these sink and
   * source (PULSE_SINK / PULSE_SOURCE), so baresip uses the same devices the app does.
   */
  pulseDevices?: { sink: string; source: string };
}

export async function startBenchBaresip(o: BenchBaresipOptions): Promise<BenchBaresip> {
  await pruneStaleContacts(o.user);
  const paths = labPaths();
  const port = await allocPortBlock();
  const dir = path.join(paths.peersDir, `bench-${o.user}-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // No control socket and no recordings: menu does the auto-answer (answermode=auto).
  let config = baresipCoreConfig({
    port,
    audioFile: o.audioFile,
    device: o.player === 'pulse' ? 'alsa,pulse' : 'aubridge,bench',
    maxCalls: o.maxCalls,
    audioModules: [o.player === 'pulse' ? 'alsa.so' : 'aubridge.so'],
    extra: [],
  });
  if (o.pulseDevices) config = config.replace(/^audio_source .*$/m, 'audio_source alsa,pulse');
  fs.writeFileSync(path.join(dir, 'config'), config);
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:${o.user}@${SIP_HOST}>;auth_pass=${LAB_PASSWORD};answermode=auto\n`);
  const proc: Tracked = spawnTracked('baresip', ['-f', dir], {
    cwd: dir,
    env: {
      ...process.env,
      PULSE_SERVER: paths.pulseServer,
      HOME: dir,
      ...(o.pulseDevices ? { PULSE_SINK: o.pulseDevices.sink, PULSE_SOURCE: o.pulseDevices.source } : {}),
    },
    logFile: path.join(dir, 'baresip.log'),
    pidFile: path.join(dir, 'pid'),
  });
  try {
    await waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`baresip exited (${proc.child.exitCode}); see ${dir}/baresip.log`);
        const regs = await registrations(o.user);
        return regs.some((r) => r.aor === o.user && r.contacts.some((c) => c.address.includes(`:${port}`)));
      },
      { timeoutMs: 10_000, intervalMs: 100, what: `baresip ${o.user} to register` },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    user: o.user,
    port,
    pid: proc.pid,
    dir,
    stop: async () => {
      await proc.stop(3000); // SIGTERM: baresip un-REGISTERs
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
