// Draws the tray icons (one per state, 32 px and @2x 64 px): a filled disc in the state's colour with a white
// ring inside for "in a call". Run with `node assets/make-tray-icons.mjs`; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const COLOURS = { online: [0x1e, 0xa5, 0x4c], offline: [0x8a, 0x8f, 0x98], ringing: [0xf0, 0x8c, 0x00], 'in-call': [0x1f, 0x6f, 0xd1], break: [0xd8, 0xb0, 0x00] };

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel(x + 0.5, y + 0.5), 1 + x * 4);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

for (const [state, [r, g, b]] of Object.entries(COLOURS)) {
  for (const [size, suffix] of [[32, ''], [64, '@2x']]) {
    const c = size / 2;
    const data = png(size, (x, y) => {
      const d = Math.hypot(x - c, y - c) / c;
      if (d > 0.94) return [0, 0, 0, 0];
      if (state === 'in-call' && d > 0.4 && d < 0.58) return [255, 255, 255, 255];
      if (state === 'ringing' && d < 0.3) return [255, 255, 255, 255];
      return [r, g, b, 255];
    });
    writeFileSync(new URL(`./tray-${state}${suffix}.png`, import.meta.url), data);
  }
}
