import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// API token secrets.
//
// A secret is `vvp_<lookupId>.<random>`:
// - `<lookupId>`: 12 random bytes, base64url (16 characters). Not secret: stored in clear in a unique,
//   indexed column so a presented secret finds its row in one index lookup, without trying hashes.
// - `<random>`: 32 random bytes (256 bits) from crypto.randomBytes, base64url (43 characters).
// The database keeps only an scrypt hash of the whole secret with a per-token random salt; a
// presented secret is hashed the same way and compared with crypto.timingSafeEqual. A leaked table
// therefore reveals no usable secret, and the lookup id alone authenticates nothing.

const PREFIX = 'vvp_';
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

export interface NewSecret {
  secret: string;
  lookupId: string;
}

export function generateSecret(): NewSecret {
  const lookupId = randomBytes(12).toString('base64url');
  return { lookupId, secret: `${PREFIX}${lookupId}.${randomBytes(32).toString('base64url')}` };
}

/** The lookup id of a presented secret, or undefined when it cannot be one of ours. */
export function lookupIdOf(secret: string): string | undefined {
  return /^vvp_([A-Za-z0-9_-]{16})\.[A-Za-z0-9_-]{43}$/.exec(secret)?.[1];
}

function scryptAsync(secret: string, salt: Buffer, params: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, params.keylen, { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url); the parameters travel with the hash so they can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [algo, n, r, p, salt, hash] = stored.split('$');
  if (algo !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** SHA-256 of a secret: the key of the in-memory cache of verified secrets (never the secret itself). */
export function cacheKey(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
