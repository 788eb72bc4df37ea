// Devices that come and go, on a real (private) PulseAudio: a sink loaded during a call appears in the
// engine's list without anyone asking; unloading the headset sink mid-call moves the call's audio to
// the default sink at once with a notice naming both; when the headset comes back the next call uses it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { MediaEngine, type DeviceFallback } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { hearsTone as hears } from '../../support/pulse-audio.js';
import { rms } from '../../unit/media/helpers.js';
import { answerPort, offerFor, RtpPeer } from '../../unit/media/rtp-peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pulse: PrivatePulse;

beforeAll(async () => {
  pulse = await startPrivatePulse();
  for (const s of ['spk.monitor', 'headset.monitor']) pulse.keep(s);
});
afterAll(async () => pulse?.stop());

const loadSink = (name: string, description: string) =>
  pulse.pactl('load-module', 'module-null-sink', `sink_name=${name}`, 'rate=48000', `sink_properties=device.description=${description}`).trim();

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (what()) return true;
    await sleep(50);
  }
  return what();
}

async function startCall(engine: MediaEngine, peer: RtpPeer, freq: number) {
  const sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 33000, rtpPortMax: 33098 })({} as Session) as MediaSessionDescriptionHandler;
  await sdh.setDescription(offerFor(peer.port));
  peer.sendTone(answerPort((await sdh.getDescription()).body), { freq, ssrc: 0x3000 + freq });
  return sdh;
}


describe('hot-plug on the pulse backend', () => {
  it('follows sinks that come and go during a call, falls back with a notice, and returns to the headset for the next call', async () => {
    let usbModule = loadSink('usbhead', 'USBHeadset');
    pulse.keep('usbhead.monitor');
    const notices: DeviceFallback[] = [];
    let listChanges = 0;
    const engine = await MediaEngine.create({
      audio: { backend: 'pulse', server: pulse.server },
      routing: { talkOutputDeviceId: 'usbhead', ringDeviceId: 'spk' },
      onDeviceNotice: (n) => notices.push(n),
      onDevicesChanged: () => listChanges++,
    });
    const peer = await RtpPeer.open();
    try {
      const call1 = await startCall(engine, peer, 440);
      await sleep(1500);
      expect(hears(await pulse.record('usbhead.monitor', 800), 440)).toBe(true);

      // a sink plugged in during the call shows up by itself
      const extra = loadSink('dock', 'DockSpeaker');
      expect(await until(() => engine.devices().outputs.some((d) => d.id === 'dock'), 3000)).toBe(true);
      expect(listChanges).toBeGreaterThan(0);
      expect(notices).toEqual([]);

      // the headset is unplugged mid-call: the audio moves to the default sink, and a notice says so
      pulse.pactl('unload-module', usbModule);
      expect(await until(() => notices.length > 0, 3000)).toBe(true);
      expect(notices[0]).toEqual({ kind: 'device-fallback', role: 'talk', wanted: 'USBHeadset', using: 'LabSpeaker', midCall: true });
      await sleep(800);
      expect(hears(await pulse.record('spk.monitor', 800), 440)).toBe(true);
      expect(engine.devices().gone).toEqual([{ id: 'usbhead', name: 'USBHeadset', kind: 'output', isDefault: false }]);

      // it comes back during the call: this call stays on the default, the next one uses the headset
      usbModule = loadSink('usbhead', 'USBHeadset');
      pulse.keep('usbhead.monitor');
      expect(await until(() => engine.devices().outputs.some((d) => d.id === 'usbhead'), 3000)).toBe(true);
      await sleep(300);
      expect(hears(await pulse.record('spk.monitor', 600), 440)).toBe(true);
      call1.close();
      peer.stop();
      await sleep(300);
      const call2 = await startCall(engine, peer, 1000);
      await sleep(1500);
      expect(hears(await pulse.record('usbhead.monitor', 800), 1000)).toBe(true);
      expect(rms(await pulse.record('spk.monitor', 500))).toBeLessThan(300);
      call2.close();
      pulse.pactl('unload-module', extra);
    } finally {
      peer.close();
      await engine.close();
    }
  }, 60_000);
});
