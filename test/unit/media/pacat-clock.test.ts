import { describe, expect, it } from 'vitest';
import { PacatClock } from '../../../main/media/audio/pulse-cli.js';

// pacat -v's stderr, as recorded here (pulseaudio-utils 16.1): progress lines end in \r, events in \n.
const CREATED = "Connection established.\x1b[K\nStream successfully created.\nBuffer metrics: maxlength=4194304, tlength=240, prebuf=162, minreq=80\n";

describe('PacatClock (what pacat has played, from its -v reports)', () => {
  it('knows nothing before the first report, then written - heard, extrapolated between reports', () => {
    let now = 1000;
    const c = new PacatClock(() => now);
    c.push(CREATED);
    expect(c.started).toBe(false);
    expect(c.pendingMs(100)).toBeNull();
    c.push('Stream started.\x1b[K\nTime: 0.0');
    expect(c.started).toBe(true);
    c.push('60 sec; Latency: 19323 usec.        \r');
    expect(c.latencyMs).toBeCloseTo(19.3, 1);
    expect(c.pendingMs(150)).toBeCloseTo(90, 5); // 150 written, 60 heard
    now += 30;
    expect(c.pendingMs(150)).toBeCloseTo(60, 5); // 30 ms later, played at 1x
    now += 500;
    expect(c.pendingMs(150)).toBe(0); // never below nothing (it ran dry)
    c.push('Stream underrun.\x1b[K\nTime: 0.140 sec; Latency: 5292 usec.        \r');
    expect(c.pendingMs(200)).toBeCloseTo(60, 5); // the report re-anchors: the underrun paused its time
  });
});
