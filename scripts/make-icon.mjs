#!/usr/bin/env node
// Writes resources/icon.png (512×512 RGBA): a dark rounded tile with a bright target/crosshair.
// Pure node (zlib + a CRC table), no downloads: `node scripts/make-icon.mjs`.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZE = 512;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'icon.png');

const BG = [11, 14, 18]; // the UI background, #0b0e12
const RIM = [40, 48, 58];
const ACCENT = [255, 176, 32]; // amber
const RED = [255, 72, 72];

const clamp01 = (x) => Math.max(0, Math.min(1, x));
/** Coverage of a shape whose signed distance (px, negative inside) is d, with 1px antialiasing. */
const cover = (d) => clamp01(0.5 - d);

function pixel(x, y) {
  const c = SIZE / 2;
  const px = x + 0.5 - c;
  const py = y + 0.5 - c;
  const r = Math.hypot(px, py);

  // Rounded square tile.
  const half = SIZE / 2 - 8;
  const radius = 96;
  const qx = Math.abs(px) - (half - radius);
  const qy = Math.abs(py) - (half - radius);
  const tileD = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  const tile = cover(tileD);
  if (tile === 0) return [0, 0, 0, 0];

  let color = [...BG];
  const mix = (rgb, a) => {
    color = color.map((v, i) => v + (rgb[i] - v) * a);
  };
  // Subtle rim.
  mix(RIM, cover(Math.abs(tileD + 6) - 3));
  // Outer and inner rings.
  mix(ACCENT, cover(Math.abs(r - 170) - 14));
  mix(ACCENT, cover(Math.abs(r - 96) - 10));
  // Crosshair arms with a gap around the centre.
  const armHalf = 9;
  const inArm = (along, across) =>
    Math.max(Math.abs(across) - armHalf, 58 - Math.abs(along), Math.abs(along) - 214);
  mix(ACCENT, cover(Math.min(inArm(px, py), inArm(py, px))));
  // Bull's-eye.
  mix(RED, cover(r - 28));
  return [...color.map(Math.round), Math.round(255 * tile)];
}

const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let y = 0; y < SIZE; y++) {
  const row = y * (SIZE * 4 + 1);
  raw[row] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) raw.set(pixel(x, y), row + 1 + x * 4);
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
