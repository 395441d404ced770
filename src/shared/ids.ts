import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

let lastMs = 0;
let lastRand: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 characters
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** A ULID-style identifier: 48-bit time then 80 random bits, monotonic within one millisecond of one process. */
export function ulid(now = Date.now()): string {
  let rand: Uint8Array;
  if (now <= lastMs) {
    rand = Uint8Array.from(lastRand);
    for (let i = rand.length - 1; i >= 0; i--) {
      if (rand[i] === 255) {
        rand[i] = 0;
      } else {
        rand[i]! += 1;
        break;
      }
    }
    now = lastMs;
  } else {
    rand = randomBytes(10);
  }
  lastMs = now;
  lastRand = rand;
  return encodeTime(now) + encodeRandom(rand);
}

/** The id prefixes Tandem uses; every id explains what it names (`ord_…`, `sku_…`). */
export type IdPrefix =
  | 'sku' | 'wh' | 'zone' | 'bin' | 'ch' | 'lst' | 'key' | 'evt' | 'ord' | 'line' | 'hold' | 'res' | 'led'
  | 'trf' | 'cnt' | 'fo' | 'wave' | 'pick' | 'pkl' | 'pex' | 'pkg' | 'shp' | 'rma' | 'whk' | 'dlv' | 'usr' | 'imp' | 'req' | 'man' | 'edi' | 'aud';

/** A new prefixed, time-sortable id such as `ord_01jd…`. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}
