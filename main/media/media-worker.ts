// The media thread. One worker per MediaEngine (one per process in the app) serves every call:
// a dispatcher has one talking call and a few held ones, all on the same headset, so one 20 ms clock
// that reads the microphone once, feeds every sending call, mixes every playing call into one talk
// output stream, and owns all RTP sockets is simpler and cheaper (2-core machines) than a thread per
// call, and keeps all calls in phase. Nothing here waits for the main thread: the main thread only
// sends configuration messages; statistics flow back through SharedArrayBuffers.
import { parentPort } from 'node:worker_threads';
import { createAudioPort } from './audio/index.js';
import { adoptPortAudioGuard, ownPortAudioStreams, waitUntil } from './audio/pa-guard.js';
import type { AudioDevicePort } from './audio/port.js';
import { monotonicMs, Ticker } from './clock.js';
import { bindRtpPair, FRAME_SAMPLES, MediaStream, type RtpPair } from './media-stream.js';
import { InputPacer, OutputPacer } from './playout.js';
import type { FromWorker, TalkRouting, ToWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('media-worker must run in a worker thread');

const post = (m: FromWorker) => port.postMessage(m);

let audio: AudioDevicePort | null = null;
let routing: TalkRouting = { outputDeviceId: null, inputDeviceId: null };
let jitter = { minMs: 20, maxMs: 200 };
const streams = new Map<number, MediaStream>();
let output: OutputPacer | null = null;
let input: InputPacer | null = null;
const mix = new Int32Array(FRAME_SAMPLES);
const outFrame = new Int16Array(FRAME_SAMPLES);

function closeTalkStreams(): void {
  cancelLinger();
  output?.out.close();
  input?.input.close();
  output = null;
  input = null;
}

/**
 * Between calls (no session at all) the talk streams stay open this long before they close. A
 * dispatcher's calls follow each other closely, and opening a device stream is costly (with Pulse a
 * pacat/parec process each: tens of ms of CPU on both cores, beside the SIP answer, and the first
 * ~100 ms of the next call's audio lost while it connects). Nothing is sent or played meanwhile:
 * with no session the clock is stopped, so the microphone is not read (its ring keeps 200 ms).
 * While calls exist, a stream nobody needs (all held or muted) still closes at once. Only for real
 * devices: a file stream costs nothing to open and is complete (its WAV written) once closed.
 */
const TALK_LINGER_MS = 5000;
let lingerTimer: NodeJS.Timeout | null = null;

function cancelLinger(): void {
  if (lingerTimer) clearTimeout(lingerTimer);
  lingerTimer = null;
}

/** Open the talk output / microphone while some call plays / sends; close them when none does. */
function updateTalkStreams(): void {
  if (!audio) return;
  if (streams.size === 0 && (audio.backend === 'pulse' || audio.backend === 'portaudio' || audio.backend === 'rtaudio')) {
    if ((output || input) && !lingerTimer) {
      lingerTimer = setTimeout(() => {
        lingerTimer = null;
        if (streams.size === 0) closeTalkStreams();
      }, TALK_LINGER_MS);
      lingerTimer.unref();
    }
    return;
  }
  cancelLinger();
  let anyPlaying = false;
  let anySending = false;
  for (const s of streams.values()) {
    anyPlaying ||= s.playing;
    anySending ||= s.wantsMic;
  }
  try {
    if (anyPlaying && (!output || output.out.closed)) {
      output = new OutputPacer(audio.openOutput(routing.outputDeviceId, { rate: 8000, name: 'call' }));
    } else if (!anyPlaying && output) {
      output.out.close();
      output = null;
    }
    if (anySending && (!input || input.input.closed)) {
      input = new InputPacer(audio.openInput(routing.inputDeviceId, { rate: 8000, name: 'call' }));
    } else if (!anySending && input) {
      input.input.close();
      input = null;
    }
  } catch (e) {
    post({ t: 'error', sid: null, message: `audio device: ${(e as Error).message}` });
  }
}

/** A talk stream that ended by itself while calls need it: say so (once per stream) so routing is redone. */
let lostOutput: OutputPacer | null = null;
let lostInput: InputPacer | null = null;
function checkLost(): void {
  if (output && output.out.closed && output !== lostOutput) {
    lostOutput = output;
    post({ t: 'device-lost', role: 'talk' });
  }
  if (input && input.input.closed && input !== lostInput) {
    lostInput = input;
    post({ t: 'device-lost', role: 'microphone' });
  }
}

function tick(nowMs: number): void {
  checkLost();
  // capture: one frame for every sending call (the same microphone)
  // (InputPacer keeps what waits within one period and follows the device's clock)
  input?.input.collect?.(); // what the microphone delivered since the last tick (held: not read as it came)
  const mic = input && !input.input.closed ? input.read() : null;
  const captureMs = mic ? input!.delayMs : -1;
  input?.input.hold?.();
  for (const s of streams.values()) s.tickSend(mic, nowMs, captureMs);
  // playback: mix every playing call
  let any = false;
  mix.fill(0);
  const deviceMs = output && !output.out.closed ? output.delayMs : 0;
  let playing = 0;
  let slack = 0;
  let phaseOf: MediaStream | null = null;
  for (const s of streams.values()) {
    const pcm = s.tickReceive(nowMs, deviceMs);
    if (s.playing) {
      playing++;
      slack = Math.min(19, s.jb.takePhaseSlackMs()); // under one period (Ticker.advance)
      phaseOf = s;
    }
    if (!pcm) continue;
    any = true;
    for (let i = 0; i < FRAME_SAMPLES; i++) mix[i]! += pcm[i] ?? 0;
  }
  if (output && !output.out.closed) {
    for (let i = 0; i < FRAME_SAMPLES; i++) outFrame[i] = any ? Math.max(-32768, Math.min(32767, mix[i]!)) : 0;
    // the one call playing found its packets waiting `slack` ms beyond what its jitter needs, by where
    // the tick falls between their arrivals: the clock ticks that much earlier from now on, and this
    // frame goes that much short so our queue toward the device does not take it instead (several
    // calls playing: their arrivals are not in one phase, the clock stays)
    if (playing === 1 && phaseOf && slack >= 1 && output.out.queuedMs() !== null) {
      ticker.advance(slack);
      phaseOf.jb.clockAdvanced(slack);
      output.shorten(slack);
    }
    output.write(outFrame);
  }
}

let lastTickError = '';
// ioFirst: the RTP that arrived while this thread was held off is read before the ticks that catch up
const ticker: Ticker = new Ticker(20, tick, {
  onError: (e) => {
    if (e.message === lastTickError) return; // report each distinct failure once
    lastTickError = e.message;
    post({ t: 'error', sid: null, message: `media tick: ${e.stack ?? e.message}` });
  },
  ioFirst: true,
});

function updateClock(): void {
  if (streams.size > 0) {
    if (ticker.isRunning) return;
    ticker.startClock();
    // a talk output kept open between calls has run dry: give it its slack again
    if (output && !output.out.closed) output.reprime();
  } else ticker.stop();
}

/** Socket pairs bound ahead of need (prebind), by request id: `open` takes one without waiting. */
const spares = new Map<number, RtpPair>();
let shuttingDown = false;

function startStream(m: Extract<ToWorker, { t: 'open' }>, { rtp, rtcp, port: p }: RtpPair): void {
  const stats = new Int32Array(m.stats);
  const s = new MediaStream(
    m.sid,
    rtp,
    rtcp,
    p,
    stats,
    m.cname,
    {
      dtmf: (digit) => post({ t: 'dtmf', sid: m.sid, digit }),
      error: (message) => post({ t: 'error', sid: m.sid, message }),
      log: (message) => post({ t: 'log', sid: m.sid, message }),
    },
    jitter,
    monotonicMs,
  );
  streams.set(m.sid, s);
  updateClock();
  if (m.spare === null) post({ t: 'opened', req: m.req, sid: m.sid, port: p });
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'init':
      adoptPortAudioGuard(m.portAudioGuard);
      audio = createAudioPort(m.audio);
      routing = m.routing;
      jitter = m.jitter;
      post({ t: 'ready' });
      return;
    case 'routing':
      routing = m.routing;
      closeTalkStreams();
      updateTalkStreams();
      return;
    case 'open': {
      const pair = m.spare === null ? undefined : spares.get(m.spare);
      if (pair) {
        spares.delete(m.spare!);
        for (const sock of [pair.rtp, pair.rtcp]) {
          sock.removeAllListeners('message');
          sock.removeAllListeners('error');
        }
        startStream(m, pair);
        return;
      }
      bindRtpPair(m.localAddress, m.portMin, m.portMax).then(
        (fresh) => startStream(m, fresh),
        (e: Error) => {
          post({ t: 'failed', req: m.req, error: e.message });
          if (m.spare !== null) post({ t: 'error', sid: m.sid, message: `RTP: ${e.message}` });
        },
      );
      return;
    }
    case 'prebind':
      bindRtpPair(m.localAddress, m.portMin, m.portMax).then(
        (pair) => {
          if (shuttingDown) {
            pair.rtp.close();
            pair.rtcp.close();
            return;
          }
          // nobody listens yet: whatever arrives (a previous call's late packets) is dropped
          for (const sock of [pair.rtp, pair.rtcp]) {
            sock.on('message', () => undefined);
            sock.on('error', () => undefined);
          }
          spares.set(m.req, pair);
          post({ t: 'prebound', req: m.req, port: pair.port });
        },
        (e: Error) => post({ t: 'failed', req: m.req, error: e.message }),
      );
      return;
    case 'configure':
      streams.get(m.sid)?.configure(m.config);
      updateTalkStreams();
      return;
    case 'mute':
      streams.get(m.sid)?.setMuted(m.muted);
      updateTalkStreams();
      return;
    case 'dtmf':
      streams.get(m.sid)?.sendDtmf(m.digits, m.durationMs, m.gapMs);
      return;
    case 'close': {
      const s = streams.get(m.sid);
      if (s) {
        streams.delete(m.sid);
        s.close();
      }
      updateTalkStreams();
      updateClock();
      return;
    }
    case 'shutdown':
      shuttingDown = true;
      for (const s of streams.values()) s.close();
      streams.clear();
      for (const pair of spares.values()) {
        pair.rtp.close();
        pair.rtcp.close();
      }
      spares.clear();
      cancelLinger();
      ticker.stop();
      closeTalkStreams();
      audio?.close();
      // give RTCP BYEs and subprocess kills a moment, and PortAudio its quits (their callbacks run on this
      // thread: waited for by turns, at most 600 ms)
      void (async () => {
        await waitUntil(() => ownPortAudioStreams() === 0, { atLeastMs: 30, atMostMs: 600, everyMs: 10 });
        post({ t: 'shutdown-done', req: m.req });
        port.close();
      })();
      return;
  }
});
