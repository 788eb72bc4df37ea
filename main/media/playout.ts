// The queues between the 20 ms media clock and the audio devices, kept short and measured.
//
// Bound, talk output: what we have handed the device and it has not played stays within one device
// period (one 20 ms frame, OUTPUT_SLACK_MS) beyond the device's own buffer (pacat's reported latency,
// PortAudio's suggested latency). One period is what the clock needs: a tick that comes up to 20 ms
// late still finds audio queued; anything more is delay the dispatcher hears and nothing gains.
// Only this queue is corrected here (our clock against the device's); the far end's clock against
// ours is the jitter buffer's: two correctors never act on the same drift.
// - Start-up (the first second): an excess (a device slow to open, a sink resuming) is removed at
//   once by skipping frames until the queue is back at its bound: nothing worth hearing is lost.
// - At the end of settling, and after it every half second, from the queue's floor over the last half
//   second: what it holds beyond the bound by 15 ms or more goes at once, in whole frames skipped (a
//   20 ms cut, leaving the queue at most 5 ms under its bound), rather than played out 0.6-1.25 %
//   fast for seconds (a 440 Hz tone heard at 445-448 Hz, as it was). After settling such a floor is a
//   stall's catch-up (the device ran dry meanwhile: that was the gap heard), never a drift, which the
//   slew below keeps under 15 ms.
// - Then the queue is judged by its minimum over the last half second (a late tick's catch-up burst
//   is not drift): above the bound by 4 ms, each frame is written 1 sample short (0.6 %, inaudible),
//   by 15 ms 2 samples; past OUTPUT_DROP_MS a frame is skipped. A device that runs faster and empties
//   the queue gets a frame 1 sample long.
// - When the media clock moves its phase earlier (to the packets' arrivals, shorten()), the frame
//   written then is that much short: our queue stays at its bound and the jitter buffer's gain is kept.
//
// Microphone: captured audio waiting to be sent stays within one period beyond the frame being read;
// a fast device is followed by reading 1-2 extra samples per frame; from a slow one, a frame that is not
// there is sent as a frame of silence now and then, and past INPUT_DROP frames the oldest are dropped.
import type { AudioInputStream, AudioOutputStream } from './audio/port.js';
import { stretch } from './jitter-buffer.js';

const FRAME = 160; // 20 ms at 8 kHz
export const OUTPUT_SLACK_MS = 20;
/** Beyond this a frame is skipped at once: after a stall of the media thread the device has played silence, and the frames that catch up would only be heard that much late. */
const OUTPUT_DROP_MS = OUTPUT_SLACK_MS + 30;
const INPUT_DROP = 4; // frames

/** Writes before the start-up excess is judged and removed (50 = 1 s). */
const SETTLE_WRITES = 50;
/** Writes over which the queue's minimum is taken. */
const WINDOW = 25;

export class OutputPacer {
  /** ms queued toward the device after the last write (ours, as the adapter measures it). */
  queuedMs = 0;
  adjusted = 0;
  skipped = 0;
  private writes = 0;
  private windowMin = Infinity;
  private lastMin: number | null = null;
  /** Frames still to skip: the excess found at the end of settling. */
  private toSkip = 0;
  /** Samples to leave out of the next frame: the clock moved that much earlier (shorten()). */
  private cut = 0;

  constructor(readonly out: AudioOutputStream) {
    out.write(new Int16Array((FRAME * OUTPUT_SLACK_MS) / 20)); // the one period of slack
  }

  /** A stream kept open between calls has run dry: give it its period again, and settle anew. */
  reprime(): void {
    if ((this.out.queuedMs() ?? OUTPUT_SLACK_MS) < OUTPUT_SLACK_MS / 2) this.out.write(new Int16Array((FRAME * OUTPUT_SLACK_MS) / 20));
    this.writes = 0;
    this.windowMin = Infinity;
    this.lastMin = null;
    this.toSkip = 0;
    this.cut = 0;
  }

  /**
   * The media clock ticks `ms` earlier from the next tick on (the jitter buffer's phase): every frame
   * would reach the device that much sooner and wait that much longer in our queue. The next frame is
   * written that much short, so the queue stays where it was and the delay goes.
   */
  shorten(ms: number): void {
    this.cut = Math.max(0, Math.min(FRAME - 1, Math.round(ms * 8)));
  }

  write(frame: Int16Array): void {
    const q = this.out.queuedMs();
    if (q === null) {
      this.out.write(frame); // no device clock (a file): nothing to follow
      return;
    }

    this.writes++;
    this.windowMin = Math.min(this.windowMin, q);
    if (this.writes % WINDOW === 0) {
      this.lastMin = this.windowMin;
      this.windowMin = Infinity;
      // the floor over the last half of settling: whole frames of excess go now (leaving the queue at most 5 ms
      // under its bound), not slewed off
      // (and so at every window after it: a floor a whole frame too high for half a second is the
      // catch-up of a stall of the media thread, or of pacat or the server, not a drift; slewed off at
      // 0.6-1.2 % it was heard late for 2-3 s after every stall)
      if (this.writes >= SETTLE_WRITES) {
        this.toSkip = Math.max(0, Math.floor((this.lastMin - OUTPUT_SLACK_MS + 5) / 20));
        this.lastMin -= this.toSkip * 20; // the floor once they are skipped: nothing left to slew for it
      }
    }
    const settling = this.writes <= SETTLE_WRITES;
    const low = this.lastMin ?? q; // the queue's floor: what a frame written now really waits beyond the bound
    if (this.cut > 0) {
      this.out.write(frame.subarray(this.cut));
      this.cut = 0;
      this.adjusted++;
    } else if (this.toSkip > 0 && q > OUTPUT_SLACK_MS + 15) {
      this.toSkip--;
      this.skipped++;
    } else if (q > OUTPUT_DROP_MS || (settling && q > OUTPUT_SLACK_MS + 20)) {
      this.skipped++; // start-up excess or a device far behind: skip, do not speed up for seconds
    } else if (!settling && low > OUTPUT_SLACK_MS + 4) {
      this.out.write(stretch(frame, low > OUTPUT_SLACK_MS + 15 ? FRAME - 2 : FRAME - 1));
      this.adjusted++;
    } else if (q < 2) {
      this.out.write(stretch(frame, FRAME + 1));
      this.adjusted++;
    } else {
      this.out.write(frame);
    }
    this.queuedMs = this.out.queuedMs() ?? 0;
  }

  /**
   * A frame written now -> heard: our queue as it stands (read before this tick's write) plus the
   * device's buffer.
   */
  get delayMs(): number {
    return (this.out.queuedMs() ?? 0) + this.out.latencyMs;
  }
}

export class InputPacer {
  /** ms of captured audio that waited before the last frame was read (plus the device's buffer). */
  delayMs = 0;
  adjusted = 0;
  dropped = 0;

  constructor(readonly input: AudioInputStream) {}

  /** One 20 ms frame of microphone audio, or null when the device has delivered none yet. */
  read(): Int16Array | null {
    let avail = this.input.available();
    if (avail > FRAME * INPUT_DROP) {
      while (avail > FRAME * 2) {
        this.input.read(FRAME);
        this.dropped++;
        avail -= FRAME;
      }
    }
    this.delayMs = avail / 8 + this.input.latencyMs;
    if (avail >= FRAME * 2 + 40) {
      this.adjusted++;
      return stretch(this.input.read(FRAME + 2)!, FRAME);
    }
    if (avail >= FRAME * 2 + 8) {
      this.adjusted++;
      return stretch(this.input.read(FRAME + 1)!, FRAME);
    }
    // a device slower than our clock runs dry now and then: that frame is silence (null)
    return this.input.read(FRAME);
  }
}
