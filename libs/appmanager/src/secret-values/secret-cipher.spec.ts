import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseSecretsKey } from '../../../config/src/config';
import { KEY_FILE_NAME, SecretCipher, SecretDecryptionError, loadOrCreateKeyFile } from './secret-cipher';

describe('SecretCipher (AES-256-GCM)', () => {
  const cipher = SecretCipher.withKey(randomBytes(32));

  it('round-trips, with a fresh IV per write and no plaintext in the stored form', () => {
    const a = cipher.encrypt('hunter2-äöü-€', 'SecretValue/ns/pw');
    const b = cipher.encrypt('hunter2-äöü-€', 'SecretValue/ns/pw');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(Buffer.from(a.slice(3), 'base64').toString('latin1')).not.toContain('hunter2');
    expect(cipher.decrypt(a, 'SecretValue/ns/pw')).toBe('hunter2-äöü-€');
    expect(cipher.decrypt(cipher.encrypt('', 'x'), 'x')).toBe('');
  });

  it('refuses a tampered ciphertext, another resource (AAD), another key, and garbage, without echoing anything', () => {
    const stored = cipher.encrypt('top-secret-value', 'SecretValue/ns/pw');
    const raw = Buffer.from(stored.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    const tampered = `v1:${raw.toString('base64')}`;
    const failures = [
      () => cipher.decrypt(tampered, 'SecretValue/ns/pw'),
      () => cipher.decrypt(stored, 'SecretValue/ns/other'),
      () => SecretCipher.withKey(randomBytes(32)).decrypt(stored, 'SecretValue/ns/pw'),
      () => cipher.decrypt('v1:AAAA', 'SecretValue/ns/pw'),
      () => cipher.decrypt('top-secret-value', 'SecretValue/ns/pw'),
      () => cipher.decrypt(undefined, 'SecretValue/ns/pw'),
    ];
    for (const f of failures) {
      expect(f).toThrow(SecretDecryptionError);
      try {
        f();
      } catch (e) {
        expect((e as Error).message).not.toContain('top-secret-value');
        expect((e as Error).message).not.toContain(stored.slice(3, 20));
      }
    }
  });

  it('asks the key source once, on first use', () => {
    const source = jest.fn(() => randomBytes(32));
    const lazy = new SecretCipher(source);
    expect(source).not.toHaveBeenCalled();
    lazy.decrypt(lazy.encrypt('a', 'x'), 'x');
    expect(source).toHaveBeenCalledTimes(1);
  });
});

describe('SECRETS_KEY', () => {
  it('accepts 32 bytes as base64, base64url or hex', () => {
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(undefined)).toBeUndefined();
    expect(loadConfig({ SECRETS_KEY: key.toString('hex') }).secretsKey).toEqual(key);
  });

  it('stops the start naming the variable, never echoing the value', () => {
    for (const bad of ['short-secret-value', randomBytes(16).toString('base64'), randomBytes(31).toString('hex') + 'zz']) {
      expect(() => loadConfig({ SECRETS_KEY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ SECRETS_KEY: bad })).toThrow(/SECRETS_KEY/);
      try {
        loadConfig({ SECRETS_KEY: bad });
      } catch (e) {
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('the key file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'secrets-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created once with mode 0600 (in a data directory created on demand) and then reused', () => {
    const dataDir = join(dir, 'data');
    const first = loadOrCreateKeyFile(dataDir);
    expect(first).toHaveLength(32);
    const path = join(dataDir, KEY_FILE_NAME);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(dataDir)).toEqual(first);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toEqual(first);
    // no temporary files are left behind
    expect(require('node:fs').readdirSync(dataDir)).toEqual([KEY_FILE_NAME]);
  });

  it('refuses a key file that does not hold a 32-byte key, naming the file', () => {
    require('node:fs').writeFileSync(join(dir, KEY_FILE_NAME), 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(dir)).toThrow(new RegExp(KEY_FILE_NAME));
  });
});
