// The device list as `LC_ALL=C pactl list sinks|sources` prints it (shape taken from pactl 16.1 against the
// lab's null sinks), parsed by parsePactlList: descriptions in any script come out as written.
import { describe, expect, it } from 'vitest';
import { parsePactlList } from '../../../main/media/audio/pactl-list.js';

const SINKS = [
  'Sink #3',
  '\tState: SUSPENDED',
  '\tName: x',
  '\tDescription: Гарнитура Jabra',
  '\tDriver: module-null-sink.c',
  '\tVolume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB',
  '\t        balance 0.00',
  '\tMonitor Source: x.monitor',
  '\tProperties:',
  '\t\tdevice.description = "Гарнитура Jabra"',
  '\t\tdevice.class = "abstract"',
  '\tFormats:',
  '\t\tpcm',
  '',
  'Sink #4',
  '\tName: quoted',
  '\tDescription: (null)',
  '\tProperties:',
  '\t\tdevice.description = "Пульт \\"Север\\""',
  '',
  'Sink #5',
  '\tName: bare',
  '\tDescription: (null)',
  '\tProperties:',
  '\t\tdevice.class = "sound"',
  '',
].join('\n');

const SOURCES = [
  'Source #4',
  '\tName: x.monitor',
  '\tDescription: Monitor of Гарнитура Jabra',
  '\tMonitor of Sink: x',
  '\tProperties:',
  '\t\tdevice.class = "monitor"',
  '\tPorts:',
  '\t\tanalog-input: Микрофон (type: Mic, priority: 8700, available)',
  '',
  'Source #5',
  '\tName: mic',
  '\tDescription: Микрофон',
  '\tMonitor of Sink: n/a',
  '\tProperties:',
  '\t\tdevice.class = "filter"',
].join('\n');

describe('parsePactlList', () => {
  it('reads each sink: its name, its description as written (Cyrillic included), its properties', () => {
    const sinks = parsePactlList(SINKS);
    expect(sinks.map((d) => d.name)).toEqual(['x', 'quoted', 'bare']);
    expect(sinks[0]).toEqual({
      name: 'x',
      description: 'Гарнитура Jabra',
      properties: { 'device.description': 'Гарнитура Jabra', 'device.class': 'abstract' },
    });
  });

  it('takes device.description (unescaped) where the Description line says (null), and none where neither has one', () => {
    const [, quoted, bare] = parsePactlList(SINKS);
    expect(quoted?.description).toBe('Пульт "Север"');
    expect(bare?.description).toBeUndefined();
  });

  it('reads which sink a source monitors; port lines are not properties', () => {
    const [monitor, mic] = parsePactlList(SOURCES);
    expect(monitor).toMatchObject({ name: 'x.monitor', monitorOfSink: 'x', description: 'Monitor of Гарнитура Jabra' });
    expect(monitor?.properties).toEqual({ 'device.class': 'monitor' });
    expect(mic).toMatchObject({ name: 'mic', monitorOfSink: 'n/a', description: 'Микрофон' });
  });

  it('an empty list (no devices, or no server output) is no devices', () => {
    expect(parsePactlList('')).toEqual([]);
  });
});
