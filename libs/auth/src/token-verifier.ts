import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../config/src/config';
import { PrismaService } from '../../persistence/src/prisma.service';
import { Principal, Role } from './role-matrix';
import { cacheKey, lookupIdOf, sameSecret, verifySecret } from './secrets';

// Turns a presented bearer secret into a Principal (or nothing).
//
// Cost: an scrypt verification takes tens of milliseconds on purpose, so verified secrets are kept in
// memory for CACHE_TTL_MS, keyed by the SHA-256 of the secret (the secret itself is not kept). A
// DELETE of a token on this server drops its entries at once (revoke), so the next request with it is
// 401. Another replica may still accept it until its entry expires: CACHE_TTL_MS bounds that window.
// Unknown secrets are not cached (an unknown lookup id costs one index lookup and no hashing).

export const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

interface Entry {
  principal: Principal;
  expires: number;
}

@Injectable()
export class TokenVerifier implements OnApplicationBootstrap {
  private readonly log = new Logger('Auth');
  private readonly cache = new Map<string, Entry>();
  /** bumped by every revoke: a verification that started before one is not cached */
  private generation = 0;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
    private readonly db: PrismaService,
  ) {}

  get mode(): 'none' | 'token' {
    return this.config.auth.mode;
  }

  onApplicationBootstrap(): void {
    if (this.mode === 'none') {
      this.log.warn('AUTH_MODE=none: access control is OFF — every request may read and change everything. Set AUTH_MODE=token to require API tokens.');
    } else if (!this.config.auth.adminToken) {
      this.log.warn('AUTH_MODE=token without AUTH_ADMIN_TOKEN: only existing API tokens can call the API; no one can create namespaces or the first owner token.');
    } else {
      this.log.log('AUTH_MODE=token: every API request needs "Authorization: Bearer <secret>".');
    }
  }

  async verify(secret: string): Promise<Principal | undefined> {
    const admin = this.config.auth.adminToken;
    if (admin !== undefined && sameSecret(secret, admin)) return { kind: 'admin' };
    const lookupId = lookupIdOf(secret);
    if (!lookupId) return undefined;
    const key = cacheKey(secret);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.principal;
    if (hit) this.cache.delete(key);
    const generation = this.generation;
    const row = await this.db.apiToken.findUnique({ where: { lookupId } });
    if (!row || !(await verifySecret(secret, row.secretHash))) return undefined;
    const principal: Principal = { kind: 'token', namespace: row.namespace, name: row.name, role: row.role as Role };
    if (generation !== this.generation) return principal;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, { principal, expires: now + CACHE_TTL_MS });
    return principal;
  }

  /** Forgets every cached verification of this token (called when it is deleted), or of every token of the namespace (namespace deletion). */
  revoke(namespace: string, name?: string): void {
    this.generation++;
    for (const [key, entry] of this.cache) {
      if (entry.principal.kind === 'token' && entry.principal.namespace === namespace && (name === undefined || entry.principal.name === name)) this.cache.delete(key);
    }
  }
}
