/**
 * Hex helpers shared by the wire decoders. Pure: Uint8Array only, no Buffer, so they run in the
 * renderer too.
 */

const HEX_DIGITS = '0123456789abcdef';

/**
 * Parses hex text into bytes. Tolerates upper or lower case, an optional leading `0x`, and
 * whitespace, `:` or `-` between digits (`01 03 01`, `01:03:01`, `0103 01`). Rejects any other
 * character and an odd number of digits with an Error that says what was wrong.
 */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError('hexToBytes: expected a string');
  let text = hex.trim();
  if (text.startsWith('0x') || text.startsWith('0X')) text = text.slice(2);
  const digits = text.replace(/[\s:-]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) {
    throw new Error(`hexToBytes: invalid hex character ${JSON.stringify(bad[0])} in ${preview(hex)}`);
  }
  if (digits.length % 2 !== 0) {
    throw new Error(`hexToBytes: odd number of hex digits (${digits.length}) in ${preview(hex)}`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

/** Lower-case hex with no separators, e.g. `0103010100e5…`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 0x0f]!;
  }
  return out;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}
