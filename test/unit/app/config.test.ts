import { describe, expect, it } from 'vitest';
import { ConfigError, configPathFromArgs, parseConfig } from '../../../main/app/config.js';

const minimal = { sip: { server: '127.0.0.1:5060', user: '1000', password: 'secret' } };

describe('config file', () => {
  it('fills defaults and resolves the database path against the config folder', () => {
    const config = parseConfig(JSON.stringify({ ...minimal, database: { path: 'data/phone.db' } }), '/etc/dispatch/config.json');
    expect(config.sip.transport).toBe('udp');
    expect(config.numbers.defaultRegion).toBe('RU');
    expect(config.database.path).toBe('/etc/dispatch/data/phone.db');
    expect(config.webHost.port).toBe(0);
  });

  it.each([
    [{ sip: { ...minimal.sip, transport: 'sctp' } }, 'sip.transport'],
    [{ sip: { ...minimal.sip, user: '' } }, 'sip.user'],
    [{ sip: { server: '127.0.0.1' } }, 'sip.user'],
    [{ ...minimal, webHost: { port: 70000 } }, 'webHost.port'],
    [{ ...minimal, numbers: { defaultRegion: 'russia' } }, 'numbers.defaultRegion'],
    [{ ...minimal, surprise: 1 }, 'surprise'],
    [{ ...minimal, media: { rtpPortMin: 30000, rtpPortMax: 20000 } }, 'media.rtpPortMin'],
  ])('names the bad field: %j', (raw, field) => {
    expect(() => parseConfig(JSON.stringify(raw), 'c.json')).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify(raw), 'c.json')).toThrow(`field "${field}"`);
  });

  it('says when the file is not JSON', () => {
    expect(() => parseConfig('{ sip: ', 'c.json')).toThrow(/c\.json: not valid JSON/);
  });

  it('takes --config FILE or --config=FILE', () => {
    expect(configPathFromArgs(['node', 'host.js', '--config', 'a.json'])).toBe('a.json');
    expect(configPathFromArgs(['node', 'host.js', '--config=b.json'])).toBe('b.json');
  });
});
