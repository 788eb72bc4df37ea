// Packaging cannot run here (electron-builder downloads Electron and its tools): what can be checked is that
// the config asks for the targets and the unpacking the app needs, and that the worker is found unpacked.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { asarUnpackedPath } from '../../../main/media/worker-host.js';

const yml = readFileSync(new URL('../../../electron-builder.yml', import.meta.url), 'utf8');

describe('packaging', () => {
  it('takes the media worker from app.asar.unpacked when it is there', () => {
    const inAsar = '/opt/Dispatch Phone/resources/app.asar/dist/main/media/media-worker.js';
    const unpacked = '/opt/Dispatch Phone/resources/app.asar.unpacked/dist/main/media/media-worker.js';
    expect(asarUnpackedPath(inAsar, (p) => p === unpacked)).toBe(unpacked);
    expect(asarUnpackedPath(inAsar, () => false)).toBe(inAsar); // not unpacked: leave it
    const win = 'C:\\Program Files\\Dispatch Phone\\resources\\app.asar\\dist\\main\\media\\media-worker.js';
    expect(asarUnpackedPath(win, () => true)).toBe('C:\\Program Files\\Dispatch Phone\\resources\\app.asar.unpacked\\dist\\main\\media\\media-worker.js');
    const dev = '/work/dist/main/media/media-worker.js';
    expect(asarUnpackedPath(dev, () => true)).toBe(dev); // not packaged
    expect(asarUnpackedPath('/x/app.asarx/media-worker.js', () => true)).toBe('/x/app.asarx/media-worker.js');
  });

  it('asks for deb, AppImage and NSIS, unpacks the native modules and the worker, and registers tel:/sip:', () => {
    expect(yml).toMatch(/target: \[AppImage, deb\]/);
    expect(yml).toMatch(/target: nsis/);
    for (const path of ['node_modules/better-sqlite3/**', 'node_modules/naudiodon/**', 'node_modules/bindings/**', 'dist/main/media/**']) {
      expect(yml).toContain(`- ${path}`);
    }
    expect(yml).toMatch(/schemes: \[tel, sip\]/);
    expect(yml).toContain('MimeType: x-scheme-handler/tel;x-scheme-handler/sip;');
    expect(yml).toContain('- pulseaudio-utils'); // the default audio backend's pactl/pacat
  });

  it("is a configuration electron-builder's own schema accepts", async () => {
    const require = createRequire(import.meta.url);
    const yaml = require('js-yaml') as { load(text: string): unknown };
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(yaml.load(yml), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ linux: { desktop: { MimeType: 'x' } } }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration/);
  });
});
