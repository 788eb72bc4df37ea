// The ring volume and the call-waiting beep's own volume reach the ringer at once (a ring or beep in
// progress continues at the new level); the settings' test tone plays on the device asked for.
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
  it('a volume change while ringing is heard at once; the call-waiting beep has its own level, also heard at once', async () => {
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
      // The beep has its own level: the ring's 0.25 does not reach it.
      ringer.setMode('call-waiting');
      await sleep(100);
      ringer.setMode('silent');
      const beepFull = peak(readWav(path.join(dir, 'headset.wav')).samples);
      expect(beepFull).toBeGreaterThan(0.12 * 32767 * 0.9);
      expect(beepFull).toBeLessThanOrEqual(Math.ceil(0.12 * 32767));
      // Changed while it beeps: heard at once, and the ring's level is left as it was.
      ringer.setMode('call-waiting');
      await sleep(100);
      ringer.setCallWaitingVolume(0.5);
      await sleep(100);
      ringer.setMode('silent');
      const beepHalf = peak(readWav(path.join(dir, 'headset.wav')).samples);
      expect(beepHalf).toBeLessThan(beepFull * 0.55);
      expect(beepHalf).toBeGreaterThan(beepFull * 0.45);
      expect(ringer.volume).toBe(0.25);
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
