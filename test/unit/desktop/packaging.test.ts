// Packaging cannot run here (electron-builder downloads Electron and its tools), so everything it would find out
// late is checked from the files: the targets and links asked for, every native module and everything the media
// worker loads unpacked from the asar, the deb's dependencies for the default audio backend, the icons at the
// sizes each target wants (read from the PNG header), and the worker found in app.asar.unpacked.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asarUnpackedPath } from '../../../main/media/worker-host.js';
import { APP_ID, PRODUCT_NAME } from '../../../main/desktop/app-identity.js';
import type { TrayIconName } from '../../../main/desktop/tray-view.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string, options?: { dot?: boolean }): boolean };

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { buildResources: string };
  files: string[];
  asarUnpack: string[];
  protocols: Array<{ name: string; schemes: string[] }>;
  linux: { target: string[]; icon: string; desktop: { entry: Record<string, string> } };
  deb: { depends: string[] };
  win: { target: string | string[]; icon: string };
  mac?: unknown;
}

const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
const config = yaml.load(yml) as BuilderConfig;
const unpacked = (path: string) => config.asarUnpack.some((pattern) => minimatch(path, pattern, { dot: true }));
const posix = (path: string) => path.split(sep).join('/');

/** Width and height from a PNG's IHDR chunk (bytes 16-23), after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const head = readFileSync(path).subarray(0, 24);
  expect(head.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), `${path} is a PNG`).toBe(true);
  expect(head.subarray(12, 16).toString('latin1'), path).toBe('IHDR');
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

/** The production dependency tree as installed (what electron-builder packs): package folder names. */
function productionPackages(): string[] {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return; // an optional dependency not installed on this platform
    found.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep);
  };
  const app = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(app.dependencies)) visit(dep);
  return [...found];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Everything the media worker loads: its source files (relative imports, transitively) and the packages it names. */
function workerGraph(): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const specifiers =
    /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/gm;
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(specifiers)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4]!;
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        continue;
      }
      const target = join(dirname(file), spec).replace(/\.js$/, '.ts');
      expect(existsSync(target), `${relative(ROOT, file)} imports ${spec}`).toBe(true);
      visit(target);
    }
  };
  visit(join(ROOT, 'main/media/media-worker.ts'));
  return { files: [...files].map((f) => posix(relative(ROOT, f))), packages: [...packages] };
}

describe('packaging (electron-builder.yml, checked without running it)', () => {
  it('asks for deb and AppImage on Linux and NSIS on Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['deb', 'AppImage']));
    expect([config.win.target].flat()).toContain('nsis');
    // No macOS target: it is not built or tried for dispatcher desks, and would want a 512 px icon.
    expect(config.mac).toBeUndefined();
  });

  it('names the app as the app names itself (the Windows AppUserModelID notifications need)', () => {
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe(PRODUCT_NAME);
    expect(readFileSync(join(ROOT, 'main/app/electron.ts'), 'utf8')).toContain('app.setAppUserModelId(APP_ID)');
  });

  it('registers tel: and sip: (protocols, and MimeType in the Linux desktop entry)', () => {
    expect(config.protocols.flatMap((p) => p.schemes).sort()).toEqual(['sip', 'tel']);
    const mime = config.linux.desktop.entry.MimeType!.split(';').filter(Boolean);
    expect(mime.sort()).toEqual(['x-scheme-handler/sip', 'x-scheme-handler/tel']);
  });

  it('unpacks every native module of the production dependencies, with what loads it', () => {
    const packages = productionPackages();
    expect(packages).toEqual(expect.arrayContaining(['better-sqlite3', 'naudiodon', 'sip.js']));
    const native = packages.filter((name) => {
      const dir = join(ROOT, 'node_modules', name);
      return existsSync(join(dir, 'binding.gyp')) || filesUnder(dir).some((f) => f.endsWith('.node'));
    });
    expect(native).toEqual(expect.arrayContaining(['better-sqlite3', 'naudiodon']));
    for (const name of native) {
      const dir = join(ROOT, 'node_modules', name);
      for (const file of [...filesUnder(dir).filter((f) => f.endsWith('.node')), join(dir, 'package.json')]) {
        expect(unpacked(posix(relative(ROOT, file))), `${relative(ROOT, file)} unpacked`).toBe(true);
      }
    }
    // `bindings` finds the .node file from the package's own folder: it and its dependency go with them.
    for (const helper of ['bindings', 'file-uri-to-path']) expect(unpacked(`node_modules/${helper}/package.json`), helper).toBe(true);
    // Not everything: a pure JS package stays in the asar.
    expect(unpacked('node_modules/sip.js/package.json')).toBe(false);
  });

  it('unpacks the media worker and everything it loads (a worker thread cannot load from inside app.asar)', () => {
    const graph = workerGraph();
    expect(graph.files).toEqual(expect.arrayContaining(['main/media/media-worker.ts', 'shared/dtmf.ts']));
    expect(graph.packages).toContain('naudiodon'); // required at run time by the portaudio backend
    for (const file of graph.files) {
      const built = `dist/${file.replace(/\.ts$/, '.js')}`;
      expect(unpacked(built), `${built} unpacked`).toBe(true);
      expect(config.files.some((p) => minimatch(built, p)), `${built} packed at all`).toBe(true);
    }
    for (const name of graph.packages) expect(unpacked(`node_modules/${name}/package.json`), `${name}, which the worker loads, unpacked`).toBe(true);
  });

  it('the deb depends on what the default audio backend runs, and on the keyring the password is sealed with', () => {
    const configSource = readFileSync(join(ROOT, 'main/app/config.ts'), 'utf8');
    expect(configSource).toMatch(/backend: v\.optional\(v\.picklist\(\[[^\]]*\]\), 'pulse'\)/); // pulse is the default
    // The programs the pulse backend starts, and the Debian package each comes in.
    const DEBIAN_PACKAGE: Record<string, string> = { pacat: 'pulseaudio-utils', parec: 'pulseaudio-utils', pactl: 'pulseaudio-utils' };
    const pulse = readFileSync(join(ROOT, 'main/media/audio/pulse-cli.ts'), 'utf8');
    const programs = [...new Set([...pulse.matchAll(/\b(?:spawn|run)\(\s*'([\w-]+)'/g)].map((m) => m[1]!))];
    expect(programs.sort()).toEqual(['pacat', 'pactl', 'parec']);
    const depends = config.deb.depends.flatMap((d) => d.split('|').map((alt) => alt.trim()));
    for (const program of programs) expect(depends, program).toContain(DEBIAN_PACKAGE[program]);
    expect(depends).toContain('libsecret-1-0'); // Electron safeStorage on Linux
    expect(depends).toContain('libasound2'); // naudiodon (the portaudio backend) and Chromium's audio
  });

  it('has the icons each target wants in assets/, at their sizes', () => {
    expect(config.directories.buildResources).toBe('assets');
    // Linux: one PNG of 256 px or more, from which electron-builder makes the hicolor sizes; NSIS: 256 px for the .ico.
    for (const [target, file] of [['linux', config.linux.icon], ['win', config.win.icon]] as const) {
      expect(file.startsWith('assets/'), target).toBe(true);
      const { width, height } = pngSize(join(ROOT, file));
      expect(width, `${target} icon ${file}`).toBeGreaterThanOrEqual(256);
      expect(height, `${target} icon ${file}`).toBe(width);
    }
    // The window icon (main/app/electron.ts) and the tray icons per state, 32 px with a 64 px @2x twin.
    expect(readFileSync(join(ROOT, 'main/app/electron.ts'), 'utf8')).toContain("join(ASSETS, 'icon.png')");
    const trayIcons = { offline: true, online: true, ringing: true, 'in-call': true, break: true } satisfies Record<TrayIconName, true>;
    for (const name of Object.keys(trayIcons)) {
      expect(pngSize(join(ROOT, `assets/tray-${name}.png`)), name).toEqual({ width: 32, height: 32 });
      expect(pngSize(join(ROOT, `assets/tray-${name}@2x.png`)), name).toEqual({ width: 64, height: 64 });
    }
    expect(config.files).toContain('assets/**');
  });

  it("is a configuration electron-builder's own schema accepts", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ linux: { desktop: { MimeType: 'x' } } }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration/);
  });
});

describe('the media worker in a packaged app', () => {
  it('is started from app.asar.unpacked when the app runs from an asar', () => {
    // A packaged layout on disk: resources/app.asar (a file in real life; any path here) and app.asar.unpacked.
    const resources = join(mkdtempSync(join(tmpdir(), 'desktop-asar-')), 'Dispatch Phone', 'resources');
    const inAsar = join(resources, 'app.asar', 'dist', 'main', 'media', 'media-worker.js');
    const inUnpacked = join(resources, 'app.asar.unpacked', 'dist', 'main', 'media', 'media-worker.js');
    mkdirSync(dirname(inUnpacked), { recursive: true });
    writeFileSync(inUnpacked, '');
    expect(asarUnpackedPath(inAsar)).toBe(inUnpacked);
    // Not unpacked (a broken package): the path is left as it is rather than made up.
    expect(asarUnpackedPath(join(resources, 'app.asar', 'dist', 'main', 'media', 'other.js'))).toBe(join(resources, 'app.asar', 'dist', 'main', 'media', 'other.js'));
  });

  it('rewrites only a real app.asar segment, on Windows paths too, and leaves a development tree alone', () => {
    const win = 'C:\\Program Files\\Dispatch Phone\\resources\\app.asar\\dist\\main\\media\\media-worker.js';
    expect(asarUnpackedPath(win, () => true)).toBe('C:\\Program Files\\Dispatch Phone\\resources\\app.asar.unpacked\\dist\\main\\media\\media-worker.js');
    const dev = '/work/dist/main/media/media-worker.js';
    expect(asarUnpackedPath(dev, () => true)).toBe(dev);
    expect(asarUnpackedPath('/x/app.asarx/media-worker.js', () => true)).toBe('/x/app.asarx/media-worker.js');
  });

  it('the worker host takes the compiled worker beside itself through that function', () => {
    const host = readFileSync(join(ROOT, 'main/media/worker-host.ts'), 'utf8');
    expect(host).toContain("new URL('./media-worker.js', here)");
    expect(host).toMatch(/new Worker\(asarUnpackedPath\(/);
  });
});
