// Who may send us SIP (main/sip/source-gate.ts): the proxy (its address and port, or its address with its
// own Via on top), the configured others, nobody else; each dropping source logged once, then counted.
import { describe, expect, it } from 'vitest';
import { SourceGate } from '../../../main/sip/source-gate.js';

const request = (via: string) => `INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP ${via};branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n\r\n`;

describe('SourceGate', () => {
  it('admits the proxy, and its other sockets by their Via, and drops everyone else', () => {
    const log: string[] = [];
    const gate = new SourceGate({ log: (m) => log.push(m) });
    gate.setServer('10.0.0.1', 5060);
    expect(gate.admits('10.0.0.1', 5060, request('10.0.0.1:5060'))).toBe(true);
    expect(gate.admits('10.0.0.1', 5070, request('10.0.0.1:5070'))).toBe(true);
    expect(gate.admits('10.0.0.1', 5070, request('10.9.9.9:5070')), 'another UA on the proxy host').toBe(false);
    expect(gate.admits('10.0.0.2', 5060, request('10.0.0.2'))).toBe(false);
    expect(gate.droppedCount).toBe(2);
  });

  it('logs each dropping source once, with a count in a summary at most once a minute', () => {
    const log: string[] = [];
    let now = 1_000;
    const gate = new SourceGate({ log: (m) => log.push(m), now: () => now });
    gate.setServer('10.0.0.1', 5060);
    for (let i = 0; i < 50; i++) gate.admits('203.0.113.5', 5070, request('203.0.113.5:5070'));
    gate.admits('203.0.113.6', 5070, 'OPTIONS sip:x SIP/2.0\r\n\r\n');
    expect(log).toEqual([
      'SIP: dropped INVITE from 203.0.113.5:5070, which is not our proxy (sip.allowedSources); further ones from there are counted',
      'SIP: dropped OPTIONS from 203.0.113.6:5070, which is not our proxy (sip.allowedSources); further ones from there are counted',
    ]);
    now += 60_000;
    gate.admits('203.0.113.5', 5070, request('x'));
    expect(log[2]).toBe('SIP: dropped from sources that are not our proxy: 203.0.113.5:5070 51');
    expect(gate.droppedSources()).toEqual({ '203.0.113.5:5070': 51, '203.0.113.6:5070': 1 });
  });

  it('sip.allowedSources lets other SBCs in: by address, by address:port, or everyone', () => {
    const gate = new SourceGate({ allowed: ['192.0.2.7', '192.0.2.8:5080'], log: () => undefined });
    gate.setServer('10.0.0.1', 5060);
    expect(gate.admits('192.0.2.7', 1234, request('192.0.2.7'))).toBe(true);
    expect(gate.admits('192.0.2.8', 5080, request('192.0.2.8'))).toBe(true);
    expect(gate.admits('192.0.2.8', 5081, request('192.0.2.8'))).toBe(false);
    expect(new SourceGate({ allowed: ['*'], log: () => undefined }).admits('198.51.100.1', 1, request('x'))).toBe(true);
  });
});
