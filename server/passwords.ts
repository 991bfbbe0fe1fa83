/**
 * Password hashing with scrypt (node:crypto): only salted hashes are kept, never the passwords. The
 * cost parameters are stored with each hash, so they can be raised later without locking anyone out.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost: N=2^14, r=8 (the RFC 7914 interactive-login setting), ~50 ms and 16 MB per hash. */
const COST = { N: 16_384, r: 8, p: 1 } as const;
/** Highest cost a stored hash may ask for: a tampered row must not make one login eat the server. */
const MAX_N = 1 << 20;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** A stored password: `scrypt$N=16384,r=8,p=1$<salt b64>$<hash b64>` (older: `scrypt$<salt>$<hash>`). */
export type PasswordHash = string;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt at the current cost. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, COST);
  return `scrypt$N=${COST.N},r=${COST.r},p=${COST.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parseCost(text: string): { N: number; r: number; p: number } | null {
  const m = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(text);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  return { N, r, p };
}

/** True when `password` matches `stored`; constant-time comparison of the derived keys. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] !== 'scrypt') return false;
  const [costText, saltB64, hashB64] = parts.length === 4 ? [parts[1], parts[2], parts[3]] : [`N=16384,r=8,p=1`, parts[1], parts[2]];
  const cost = parseCost(costText ?? '');
  if (!cost || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await derive(password, Buffer.from(saltB64, 'base64'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made at a lower cost than today's (rehash it at the next login). */
export function needsRehash(stored: PasswordHash): boolean {
  const parts = stored.split('$');
  const cost = parts.length === 4 ? parseCost(parts[1] ?? '') : null;
  return !cost || cost.N < COST.N || cost.r < COST.r || cost.p < COST.p;
}
