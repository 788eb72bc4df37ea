// The ring volume reaches the ringer at once (a ring in progress continues at the new level), for the
// ring and for the soft call-waiting beep; the settings' test tone plays on the device asked for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAudio } from '../../../main/media/audio/file.js';
import { readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import { AudioRinger } from '../../../main/media/ringer.js';
import { dominant, SCAN } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const peak = (x: Int16Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('ring volume and test tone', () => {
  it('a volume change while ringing is heard at once; the call-waiting beep follows it too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringvol-'));
    const port = new FileAudio({ outputs: ['spk', 'headset'], outputDir: dir });
    const ringer = new AudioRinger({ port, ringDevice: () => 'spk', callWaitingDevice: () => 'headset', volume: 1 });
    try {
      ringer.setMode('ringing');
      await sleep(100);
      ringer.setVolume(1); // unchanged: the ring is not restarted
      ringer.setMode('silent');
      const loud = peak(readWav(path.join(dir, 'spk.wav')).samples);
      ringer.setMode('ringing');
      await sleep(100);
      ringer.setVolume(0.25); // restarts the ring at the new level (the file is rewritten from here)
      await sleep(100);
      ringer.setMode('silent');
      const quiet = readWav(path.join(dir, 'spk.wav')).samples;
      expect(dominant(quiet, SCAN).freq).toBe(425);
      expect(peak(quiet)).toBeLessThan(loud * 0.3);
      expect(peak(quiet)).toBeGreaterThan(loud * 0.2);
      ringer.setMode('call-waiting');
      await sleep(100);
      ringer.setMode('silent');
      expect(peak(readWav(path.join(dir, 'headset.wav')).samples)).toBeLessThan(0.12 * 0.25 * 32767 * 1.05);
    } finally {
      ringer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the test tone plays on the chosen device only, at the ring volume', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testtone-'));
    const engine = new MediaEngine({ audio: { backend: 'file', outputs: ['spk', 'headset'], outputDir: dir }, ringVolume: 0.5 });
    try {
      await engine.playTestTone('headset');
      const heard = readWav(path.join(dir, 'headset.wav')).samples;
      expect(heard.length).toBe(4800);
      expect(dominant(heard, [...SCAN, 660]).freq).toBe(660);
      expect(peak(heard)).toBeLessThanOrEqual(Math.round(0.4 * 0.5 * 32767));
      expect(peak(heard)).toBeGreaterThan(0.35 * 0.5 * 32767);
      expect(fs.existsSync(path.join(dir, 'spk.wav'))).toBe(false);
    } finally {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
