// Hot-plug for the ALSA-level backends: a card's nodes appearing in (or leaving) the card directory
// is one change, heard through the real filesystem's events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchSoundCards } from '../../../main/media/audio/alsa-watch.js';
import { NaudiodonAudio } from '../../../main/media/audio/naudiodon.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snd-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 20) {
    if (what()) return true;
    await sleep(20);
  }
  return what();
}

describe('sound card watch', () => {
  it("a card plugged in (its nodes created together) is one change, and so is it leaving; none after stop", async () => {
    let changes = 0;
    const stop = watchSoundCards(() => changes++, dir);
    for (const node of ['controlC1', 'pcmC1D0p', 'pcmC1D0c']) fs.writeFileSync(path.join(dir, node), '');
    expect(await until(() => changes === 1, 3000)).toBe(true);
    await sleep(400);
    expect(changes).toBe(1);
    for (const node of ['controlC1', 'pcmC1D0p', 'pcmC1D0c']) fs.rmSync(path.join(dir, node));
    expect(await until(() => changes === 2, 3000)).toBe(true);
    stop();
    fs.writeFileSync(path.join(dir, 'controlC2'), '');
    await sleep(500);
    expect(changes).toBe(2);
  });

  it('no card directory: no events and a harmless stop', () => {
    const stop = watchSoundCards(() => undefined, path.join(dir, 'missing'));
    expect(() => stop()).not.toThrow();
  });

  it('the portaudio port passes a card change on while none of its streams is open', async () => {
    const port = new NaudiodonAudio({ cardDir: dir });
    let changes = 0;
    const stop = port.watch(() => changes++);
    fs.writeFileSync(path.join(dir, 'controlC1'), '');
    expect(await until(() => changes === 1, 3000)).toBe(true);
    stop();
  });
});
