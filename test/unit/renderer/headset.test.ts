// Headset call control replayed from report sequences of three device kinds, through the same session the
// window runs (renderer/headset/headset-session.ts) with a fake WebHID device:
//  - a telephony-page headset with an absolute hook switch sending report 2 as Jabra's Engage 50 does
//    (WICG/webhid#61: an answer press is report 2 [1, 0], and the headset sends it again ~2 s later);
//  - the HP Internet Handset's own reports, byte for byte from arkygeek/voipHandset keyMappingRaw.py
//    (cradle 00 41 lifted / 00 40 down, mute 00 47/00 45, red 00 43/00 41, green 00 37/00 35);
//  - a telephony-page headset whose Hook Switch is relative (a toggle: each press flips it), as the HID
//    Usage Tables allow and jitsi's web-hid handling and tSIP#32 describe.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../shared/domain.js';
import type { PhoneState } from '../../../shared/state.js';
import { HeadsetSession, type HidDevicePort } from '../../../renderer/headset/headset-session.js';
import type { HidCollectionInfo } from '../../../renderer/headset/hid-layout.js';
import type { Run } from '../../../renderer/store/phone-context.js';
import { emptyPhoneState } from '../../support/phone-state.js';

const T = (usage: number) => (0x0b << 16) | usage;
const L = (usage: number) => (0x08 << 16) | usage;
const bit = (usages: number[], isAbsolute: boolean) => ({ usages, reportSize: 1, reportCount: usages.length, isAbsolute });
const pad = (bits: number) => ({ usages: [], reportSize: 1, reportCount: bits });

function telephonyHeadset(hookAbsolute: boolean): HidCollectionInfo[] {
  return [
    { usagePage: 0x0c, usage: 0x01, inputReports: [{ reportId: 1, items: [bit([0x00e9, 0x00ea], false)] }] }, // consumer volume keys: not ours
    {
      usagePage: 0x0b,
      usage: 0x05,
      inputReports: [{ reportId: 2, items: [bit([T(0x20)], hookAbsolute), bit([T(0x2f), T(0x21), T(0x26)], false), pad(5), pad(8)] }],
      outputReports: [{ reportId: 3, items: [bit([L(0x17), L(0x09), L(0x18), L(0x20)], true), pad(4), pad(8)] }],
    },
  ];
}

function fakeDevice(name: string, collections: HidCollectionInfo[], vendorId = 0x0b0e, productId = 0x0001) {
  let listener: (e: { reportId: number; data: DataView }) => void = () => undefined;
  const sent: Array<[number, number[]]> = [];
  const device: HidDevicePort = {
    productName: name, vendorId, productId, collections, opened: false,
    open: async () => void (device.opened = true),
    sendReport: async (reportId, data) => void sent.push([reportId, [...data]]),
    addEventListener: (_t, l) => void (listener = l),
  };
  return { device, sent, report: (reportId: number, bytes: number[]) => listener({ reportId, data: new DataView(new Uint8Array(bytes).buffer) }) };
}

function call(callId: string, over: Partial<Call> = {}): Call {
  return {
    callId, direction: 'incoming', number: '2001', displayName: null, remoteUri: 'sip:2001@lab', identity: { kind: 'new-client' },
    state: 'ringing', heldLocally: false, heldRemotely: false, muted: false, startedAt: 1, answeredAt: null, endedAt: null,
    endReason: null, endCause: null, transfer: null, consultationFor: null, media: null, ...over,
  };
}

const ringingState = () => emptyPhoneState({ calls: [call('r1'), call('r2', { startedAt: 2 })], incomingQueue: ['r1', 'r2'] });
const talking = (muted = false) => emptyPhoneState({ calls: [call('r1', { state: 'active', muted })], activeCallId: 'r1' });

async function session(d: ReturnType<typeof fakeDevice>) {
  const s = new HeadsetSession();
  const commands: Array<[string, unknown]> = [];
  const run = (async (name: string, args: unknown) => (commands.push([name, args]), { ok: true, value: null })) as unknown as Run;
  s.update(emptyPhoneState(), run);
  await s.attach(d.device);
  return { s, commands, set: (state: PhoneState) => s.update(state, run) };
}

describe('headset: telephony page, absolute hook switch (Jabra-style report 2)', () => {
  it('answers, mutes, holds and ends from the recorded sequence, ignoring the repeated report', async () => {
    const d = fakeDevice('Jabra Engage 50', telephonyHeadset(true));
    const h = await session(d);
    h.set(ringingState());
    d.report(2, [0x01, 0x00]); // answer button: off-hook
    d.report(2, [0x01, 0x00]); // the same report again ~2 s later (WICG/webhid#61)
    h.set(talking());
    d.report(2, [0x03, 0x00]); // mute pressed
    d.report(2, [0x01, 0x00]); // mute released
    d.report(2, [0x05, 0x00]); // flash pressed
    d.report(2, [0x01, 0x00]);
    d.report(2, [0x00, 0x00]); // on-hook: end
    d.report(1, [0x03]); // a volume key on the consumer page: not ours
    expect(h.commands).toEqual([
      ['answer', { callId: 'r1' }],
      ['mute', { callId: 'r1', muted: true }],
      ['hold', { callId: 'r1' }],
      ['hangup', { callId: 'r1' }],
    ]);
  });

  it('drives the LEDs from the call state: ring, off-hook, mute, hold', async () => {
    const d = fakeDevice('Jabra Engage 50', telephonyHeadset(true));
    const h = await session(d);
    h.set(ringingState());
    h.set(ringingState()); // unchanged state: no report
    h.set(talking(true));
    h.set(emptyPhoneState({ calls: [call('r1', { state: 'held', heldLocally: true })] }));
    h.set(emptyPhoneState());
    // report 3: bit0 off-hook, bit1 mute, bit2 ring, bit3 hold; two bytes as the descriptor says
    expect(d.sent).toEqual([[3, [0b0000, 0]], [3, [0b0100, 0]], [3, [0b0011, 0]], [3, [0b1000, 0]], [3, [0b0000, 0]]]);
  });

  it('Drop declines the longest-waiting call when nothing is talked on', async () => {
    const d = fakeDevice('Jabra Engage 50', telephonyHeadset(true));
    const h = await session(d);
    h.set(ringingState());
    d.report(2, [0x08, 0x00]);
    expect(h.commands).toEqual([['decline', { callId: 'r1' }]]);
  });
});

describe('headset: HP Internet Handset (its own reports)', () => {
  it('lifting answers, mute toggles, red ends, putting it down ends', async () => {
    const d = fakeDevice('HP Internet Handset', [], 0x03f0, 0x1c07);
    const h = await session(d);
    d.report(0, [0x00, 0x40]); // in the cradle at start
    h.set(ringingState());
    d.report(0, [0x00, 0x41]); // lifted
    h.set(talking());
    d.report(0, [0x00, 0x47]); // mute pressed
    d.report(0, [0x00, 0x45]); // released
    h.set(talking(true));
    d.report(0, [0x00, 0x47]);
    d.report(0, [0x00, 0x45]);
    d.report(0, [0x00, 0x43]); // red pressed
    d.report(0, [0x00, 0x41]); // released
    h.set(emptyPhoneState());
    d.report(0, [0x00, 0x40]); // back in the cradle, nothing up: nothing to do
    expect(h.commands).toEqual([
      ['answer', { callId: 'r1' }],
      ['mute', { callId: 'r1', muted: true }],
      ['mute', { callId: 'r1', muted: false }],
      ['hangup', { callId: 'r1' }],
    ]);
  });

  it('green answers with the handset already lifted; putting it down ends the call', async () => {
    const d = fakeDevice('HP Internet Handset', [], 0x03f0, 0x1c07);
    const h = await session(d);
    d.report(0, [0x00, 0x41]); // off the cradle
    h.set(ringingState());
    d.report(0, [0x00, 0x37]); // green pressed
    d.report(0, [0x00, 0x35]); // released
    h.set(talking());
    d.report(0, [0x00, 0x40]); // placed in the cradle
    expect(h.commands).toEqual([['answer', { callId: 'r1' }], ['hangup', { callId: 'r1' }]]);
  });
});

describe('headset: telephony page, toggle hook switch', () => {
  it('each press flips the hook: answer, then end', async () => {
    const d = fakeDevice('Toggle headset', telephonyHeadset(false));
    const h = await session(d);
    h.set(ringingState());
    d.report(2, [0x01, 0x00]);
    d.report(2, [0x00, 0x00]); // release: no event for a toggle
    h.set(talking());
    d.report(2, [0x01, 0x00]);
    expect(h.commands).toEqual([['answer', { callId: 'r1' }], ['hangup', { callId: 'r1' }]]);
  });

  it('follows a call answered in the window, so the next press ends it instead of answering', async () => {
    const d = fakeDevice('Toggle headset', telephonyHeadset(false));
    const h = await session(d);
    h.set(talking()); // answered with F2 in the window
    h.set({ ...talking(), calls: [...talking().calls, call('r2')], incomingQueue: ['r2'] });
    d.report(2, [0x01, 0x00]);
    expect(h.commands).toEqual([['hangup', { callId: 'r1' }]]);
  });
});

describe('headset: the Flash button set to transfer', () => {
  it('opens the transfer panel of the call being talked on instead of holding it; set back, it holds again', async () => {
    const d = fakeDevice('Jabra Engage 50', telephonyHeadset(true));
    const s = new HeadsetSession();
    const commands: Array<[string, unknown]> = [];
    const opened: string[] = [];
    const run = (async (name: string, args: unknown) => (commands.push([name, args]), { ok: true, value: null })) as unknown as Run;
    const withFlash = (state: PhoneState, headsetFlash: 'hold' | 'transfer') => ({ ...state, settings: { ...state.settings, headsetFlash } });
    s.update(withFlash(talking(), 'transfer'), run, (callId) => opened.push(callId));
    await s.attach(d.device);
    d.report(2, [0x05, 0x00]); // off-hook + flash pressed (the Jabra-style report above)
    d.report(2, [0x01, 0x00]);
    expect(opened).toEqual(['r1']);
    expect(commands).toEqual([]);
    s.update(withFlash(talking(), 'hold'), run);
    d.report(2, [0x05, 0x00]);
    expect(commands).toEqual([['hold', { callId: 'r1' }]]);
    expect(opened).toEqual(['r1']);
    // Nothing to transfer (only a ringing call): Flash does nothing.
    s.update(withFlash(ringingState(), 'transfer'), run);
    d.report(2, [0x01, 0x00]);
    d.report(2, [0x05, 0x00]);
    expect(opened).toEqual(['r1']);
  });
});
