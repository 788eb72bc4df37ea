import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PulseCliAudio } from '../../../main/media/audio/pulse-cli.js';
import { InputPacer } from '../../../main/media/playout.js';

// A stand-in `parec` first on PATH: it says what parec -v says (pulseaudio-utils 16.1, as recorded here:
// progress lines end in \r), delivers 60 ms of audio and stays open.
const FAKE = `#!/bin/sh
printf 'Opening a recording stream with sample specification ...\\nStream successfully created.\\nBuffer metrics: maxlength=4194304, fragsize=320\\n' >&2
head -c 960 /dev/zero
printf 'Time: 0.120 sec; Latency: 6250 usec.        \\r' >&2
exec sleep 30
`;

describe('the microphone through parec: the capture delay it reports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parec-fake-'));
  const savedPath = process.env.PATH;
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, 'parec'), FAKE, { mode: 0o755 });
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("counts the server's latency for the stream as parec reports it, and the time since the audio came, not the --latency-msec asked for", async () => {
    let now = 1000;
    const audio = new PulseCliAudio({ server: 'unix:/nonexistent', latencyMs: 20, now: () => now, streams: 'pacat' });
    const input = audio.openInput('mic', { rate: 8000, name: 'call' });
    try {
      await vi.waitFor(() => expect(input.available()).toBe(480));
      await vi.waitFor(() => expect(input.latencyMs).toBeCloseTo(6.25, 5)); // the report has come
      const pacer = new InputPacer(input);
      expect(pacer.read()).toHaveLength(160);
      // the frame's oldest sample waited what was queued (60 ms) and the server's 6.25 before it reached us
      expect(pacer.delayMs).toBeCloseTo(66.25, 5);
      now += 15; // a read 15 ms after the last audio came: what is left is 15 ms older
      pacer.read();
      expect(pacer.delayMs).toBeCloseTo((480 - 162) / 8 + 6.25 + 15, 5);
    } finally {
      input.close();
    }
  });
});
