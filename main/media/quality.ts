// A call's quality figure: the ITU-T G.107 E-model's transmission rating R from what RTCP and our own
// counters say (loss both ways, delay), turned into an estimated MOS and a good / fair / poor class.
//
// R = Ro - Is - Id - Ie,eff + A, with G.107's defaults for everything not measured (Ro - Is = 93.2,
// A = 0: a wired desk phone).
// - Id, delay: the common approximation of G.107's Idte + Idd for the default echo loss
//   (Cole & Rosenbluth 2001): 0.024 Ta + 0.11 (Ta - 177.3) for Ta > 177.3 ms, Ta = one-way
//   mouth-to-ear delay = RTT / 2 + our capture and playout delay + one 20 ms packet.
// - Ie,eff, loss: Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl); G.711 (G.113 Appendix I): Ie = 0,
//   Bpl = 25.1 (with packet loss concealment: ours repeats and fades the last frame), BurstR = 1
//   (random loss). Ppl is the worse direction: what we lost (late packets counted) or what the far
//   end reports losing of ours.
// Classes follow G.109's user-satisfaction bands: R >= 80 good (satisfied or better), 70..80 fair
// (some users dissatisfied), below 70 poor (many dissatisfied).
import type { CallQuality } from '../../shared/domain.js';

export interface QualityInputs {
  /** Percent of our received stream lost or too late to play, recently. */
  lossPercent: number;
  /** Percent of our stream the far end reports lost (RTCP RR), null if it has not reported. */
  remoteLossPercent: number | null;
  /** Round-trip time from RTCP, null if unknown (then 0 is assumed: the network's share of delay is unknown). */
  rttMs: number | null;
  /** Our side's delay: jitter buffer + device queues, ms. */
  localDelayMs: number;
}

export interface QualityFigure {
  rFactor: number;
  mos: number;
  quality: CallQuality;
}

const G711_IE = 0;
const G711_BPL = 25.1;
const PACKET_MS = 20;

export function delayImpairment(oneWayMs: number): number {
  return 0.024 * oneWayMs + (oneWayMs > 177.3 ? 0.11 * (oneWayMs - 177.3) : 0);
}

export function lossImpairment(lossPercent: number): number {
  const ppl = Math.max(0, Math.min(100, lossPercent));
  return G711_IE + ((95 - G711_IE) * ppl) / (ppl + G711_BPL);
}

/** G.107 Annex B: R -> MOS (1 .. 4.5). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export function qualityClass(r: number): CallQuality {
  return r >= 80 ? 'good' : r >= 70 ? 'fair' : 'poor';
}

export function estimateQuality(i: QualityInputs): QualityFigure {
  const oneWay = (i.rttMs ?? 0) / 2 + i.localDelayMs + PACKET_MS;
  const loss = Math.max(i.lossPercent, i.remoteLossPercent ?? 0);
  const r = 93.2 - delayImpairment(oneWay) - lossImpairment(loss);
  return { rFactor: Math.round(r * 10) / 10, mos: Math.round(mosFromR(r) * 100) / 100, quality: qualityClass(r) };
}
