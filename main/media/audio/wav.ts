// Minimal WAV (RIFF) reading and writing: PCM 16-bit, G.711 mu-law (format 7) and A-law (format 6).
import fs from 'node:fs';
import { decodeG711 } from '../g711.js';

export interface WavData {
  rate: number;
  /** Mono (multi-channel files are mixed down). */
  samples: Int16Array;
}

export function parseWav(buf: Buffer): WavData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let off = 12;
  let format = 0;
  let channels = 1;
  let rate = 8000;
  let bits = 16;
  let data: Buffer | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (body + size > buf.length) size = buf.length - body; // streaming writers leave sizes unset
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    off = body + size + (size % 2);
  }
  if (!data) throw new Error('WAV has no data chunk');
  let interleaved: Int16Array;
  if (format === 1 && bits === 16) {
    interleaved = new Int16Array(Math.floor(data.length / 2));
    for (let i = 0; i < interleaved.length; i++) interleaved[i] = data.readInt16LE(i * 2);
  } else if ((format === 7 || format === 6) && bits === 8) {
    interleaved = decodeG711(format === 7 ? 'PCMU' : 'PCMA', data);
  } else {
    throw new Error(`unsupported WAV format ${format}/${bits} bit`);
  }
  if (channels <= 1) return { rate, samples: interleaved };
  const frames = Math.floor(interleaved.length / channels);
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += interleaved[f * channels + c]!;
    mono[f] = Math.round(s / channels);
  }
  return { rate, samples: mono };
}

export function readWav(file: string): WavData {
  return parseWav(fs.readFileSync(file));
}

export function wavHeader(rate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav(samples: Int16Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  return Buffer.concat([wavHeader(rate, data.length), data]);
}

/** Appends PCM to a WAV file as it arrives; the header sizes are fixed up on close. */
export class WavFileWriter {
  private fd: number | null;
  private bytes = 0;

  constructor(
    readonly file: string,
    readonly rate: number,
  ) {
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, wavHeader(rate, 0));
  }

  write(pcm: Int16Array): void {
    if (this.fd === null) return;
    const b = Buffer.allocUnsafe(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i]!, i * 2);
    fs.writeSync(this.fd, b);
    this.bytes += b.length;
  }

  close(): void {
    if (this.fd === null) return;
    fs.writeSync(this.fd, wavHeader(this.rate, this.bytes), 0, 44, 0);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
