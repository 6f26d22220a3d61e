import { Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecretsKey } from '../../../config/src/config';

// Encryption at rest of secret values: AES-256-GCM with a random 12-byte IV per write and a 16-byte
// authentication tag. The stored form is one string, `v1:` + base64(iv ‖ tag ‖ ciphertext). The
// additional authenticated data binds a ciphertext to its resource (`<namespace>/<name>`), so a
// ciphertext copied into another secret's row does not decrypt either.
//
// The key is SECRETS_KEY, or else a key file (`<DATA_DIR>/secrets.key`, mode 0600) created
// atomically on first use. Nothing here ever puts a plaintext or a key into a message.

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_FILE_NAME = 'secrets.key';

/** A stored value that cannot be decrypted (tampered with, or encrypted with another key). */
export class SecretDecryptionError extends Error {
  constructor(readonly reason: string) {
    super(`A secret value cannot be decrypted (${reason}): it was tampered with or encrypted with another key (SECRETS_KEY).`);
  }
}

/** Reads the key file, creating it (0600, atomically: first writer wins) when it does not exist. */
export function loadOrCreateKeyFile(dataDir: string, log?: Logger): Buffer {
  const path = join(dataDir, KEY_FILE_NAME);
  const read = (): Buffer | undefined => {
    try {
      return parseSecretsKey(readFileSync(path, 'utf8'), `the key file ${path}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  const existing = read();
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path); // atomic, and never replaces a key another process created meanwhile
    log?.log(`Generated a new secrets key in ${path} (set SECRETS_KEY to share one key between replicas)`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  const created = read();
  if (!created) throw new Error(`The key file ${path} could not be created`);
  return created;
}

export class SecretCipher {
  private key?: Buffer;

  /** `keySource` is called once, on first use (SECRETS_KEY, or the key file). */
  constructor(private readonly keySource: () => Buffer) {}

  static withKey(key: Buffer): SecretCipher {
    return new SecretCipher(() => key);
  }

  private getKey(): Buffer {
    if (!this.key) {
      const key = this.keySource();
      if (key.length !== 32) throw new Error('The secrets key must be 32 bytes');
      this.key = key;
    }
    return this.key;
  }

  /** True when `stored` looks like something `encrypt` produced. */
  static isEncrypted(stored: unknown): stored is string {
    return typeof stored === 'string' && stored.startsWith(VERSION);
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.getKey(), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(stored: unknown, aad: string): string {
    if (!SecretCipher.isEncrypted(stored)) throw new SecretDecryptionError('unknown format');
    const raw = Buffer.from(stored.slice(VERSION.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError('truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.getKey(), raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('authentication failed');
    }
  }
}

/** The additional authenticated data of a secret value: its namespace and (immutable) name. */
export function secretAad(namespace: string, name: string): string {
  return `SecretValue/${namespace}/${name}`;
}
