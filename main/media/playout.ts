// The queues between the 20 ms media clock and the audio devices, kept short and measured.
//
// Bound, talk output: what we have handed the device and it has not played stays within one device
// period (one 20 ms frame, OUTPUT_SLACK_MS) beyond the device's own buffer (pacat's --latency-msec,
// PortAudio's suggested latency). One period is what the clock needs: a tick that comes up to 20 ms
// late still finds audio queued; anything more is delay the dispatcher hears and nothing gains.
// When the device's clock runs slower than ours the queue grows: each frame is then written 1-2
// samples short (up to 1.25 % faster, inaudible) until it is back; past OUTPUT_DROP_MS a frame is
// skipped. When the device runs faster and the queue is empty, a frame is written 1 sample long.
//
// Microphone: captured audio waiting to be sent stays within one period beyond the frame being read;
// a fast device is followed by reading 1-2 extra samples per frame; from a slow one, a frame that is not
// there is sent as a frame of silence now and then, and past INPUT_DROP frames the oldest are dropped.
import type { AudioInputStream, AudioOutputStream } from './audio/port.js';
import { stretch } from './jitter-buffer.js';

const FRAME = 160; // 20 ms at 8 kHz
export const OUTPUT_SLACK_MS = 20;
const OUTPUT_DROP_MS = 80;
const INPUT_DROP = 4; // frames

export class OutputPacer {
  /** ms queued toward the device after the last write (ours, as the adapter measures it). */
  queuedMs = 0;
  adjusted = 0;
  skipped = 0;

  constructor(readonly out: AudioOutputStream) {
    out.write(new Int16Array((FRAME * OUTPUT_SLACK_MS) / 20)); // the one period of slack
  }

  /** A stream kept open between calls has run dry: give it its period again. */
  reprime(): void {
    if ((this.out.queuedMs() ?? OUTPUT_SLACK_MS) < OUTPUT_SLACK_MS / 2) this.out.write(new Int16Array((FRAME * OUTPUT_SLACK_MS) / 20));
  }

  write(frame: Int16Array): void {
    const q = this.out.queuedMs();
    if (q === null) {
      this.out.write(frame); // no device clock (a file): nothing to follow
    } else if (q > OUTPUT_DROP_MS) {
      this.skipped++;
    } else if (q > OUTPUT_SLACK_MS + 10) {
      this.out.write(stretch(frame, q > OUTPUT_SLACK_MS + 30 ? FRAME - 2 : FRAME - 1));
      this.adjusted++;
    } else if (q < 2) {
      this.out.write(stretch(frame, FRAME + 1));
      this.adjusted++;
    } else {
      this.out.write(frame);
    }
    this.queuedMs = this.out.queuedMs() ?? 0;
  }

  /** Arrival at the device side of our queue -> heard: our queue plus the device's buffer. */
  get delayMs(): number {
    return this.queuedMs + this.out.latencyMs;
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
