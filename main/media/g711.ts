// G.711 PCMU (mu-law, payload type 0) and PCMA (A-law, payload type 8), ITU-T G.711.
// Encoding and decoding are table lookups: 64 KiB per law for encoding (indexed by the 16-bit sample),
// 256 entries for decoding. Built once at module load (~1 ms).

function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let sign = (sample >> 8) & 0x80;
  if (sign !== 0) sample = -sample;
  if (sample > CLIP) sample = CLIP;
  sample += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  sign = sign === 0 ? 0 : 0x80;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  let sample = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  if (sign !== 0) sample = -sample;
  return sample;
}

function linearToAlaw(sample: number): number {
  let mask: number;
  if (sample >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    sample = -sample - 1;
  }
  if (sample > 32767) sample = 32767;
  let seg = 0;
  const segEnd = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
  while (seg < 8 && sample > segEnd[seg]!) seg++;
  if (seg >= 8) return (0x7f ^ mask) & 0xff;
  let aval = seg << 4;
  aval |= seg < 2 ? (sample >> 4) & 0x0f : (sample >> (seg + 3)) & 0x0f;
  return (aval ^ mask) & 0xff;
}

function alawToLinear(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  switch (seg) {
    case 0:
      t += 8;
      break;
    case 1:
      t += 0x108;
      break;
    default:
      t += 0x108;
      t <<= seg - 1;
  }
  return (a & 0x80) !== 0 ? t : -t;
}

const ULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
for (let i = 0; i < 65536; i++) {
  const s = i >= 32768 ? i - 65536 : i;
  ULAW_ENCODE[i] = linearToUlaw(s);
  ALAW_ENCODE[i] = linearToAlaw(s);
}
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i);
  ALAW_DECODE[i] = alawToLinear(i);
}

export type G711Law = 'PCMU' | 'PCMA';

export function encodeG711(law: G711Law, pcm: Int16Array, out: Uint8Array = new Uint8Array(pcm.length)): Uint8Array {
  const table = law === 'PCMU' ? ULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! & 0xffff]!;
  return out;
}

export function decodeG711(law: G711Law, data: Uint8Array, out: Int16Array = new Int16Array(data.length)): Int16Array {
  const table = law === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]!]!;
  return out;
}

/** The byte that decodes to (near) silence: what a muted/idle G.711 stream would carry. */
export const G711_SILENCE: Record<G711Law, number> = { PCMU: 0xff, PCMA: 0xd5 };

export const G711_PAYLOAD_TYPE: Record<G711Law, number> = { PCMU: 0, PCMA: 8 };
