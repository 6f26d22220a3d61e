import { Injectable } from '@nestjs/common';
import { generateSecret, hashSecret } from '../../../auth/src/secrets';
import { ROLES } from '../../../auth/src/role-matrix';
import { TokenVerifier } from '../../../auth/src/token-verifier';
import { PrismaService } from '../../../persistence/src/prisma.service';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { nameErrors } from '../../../resource-kit/src/names';
import { ResourceStore } from '../../../resource-kit/src/store';
import { platformContract } from '../contract';

// API tokens (Platform API, protobuf style): `name` is `namespaces/<ns>/apitokens/<t>`, `role` one of
// viewer/editor/owner, `createTime` set by the server. The secret is returned once, by create; the
// database keeps only its scrypt hash (libs/auth/src/secrets.ts). A token is immutable: there is no
// update, and DELETE revokes it at once.

export interface ApiTokenBody {
  name: string;
  role: string;
  createTime: string;
  secret?: string;
}

interface Row {
  namespace: string;
  name: string;
  role: string;
  createdAt: Date;
}

function present(row: Row): ApiTokenBody {
  return { name: `namespaces/${row.namespace}/apitokens/${row.name}`, role: row.role, createTime: row.createdAt.toISOString() };
}

/** `namespaces/<ns>/apitokens/<t>` (of this namespace) or a bare `<t>` → `<t>`, checked against the name rule. */
export function tokenName(ns: string, name: unknown, attribute = 'name'): string {
  if (typeof name !== 'string' || name === '') throw ApiError.field(attribute, `is required (namespaces/${ns}/apitokens/<name>)`);
  let short = name;
  const full = /^namespaces\/([^/]*)\/apitokens\/(.*)$/.exec(name);
  if (full) {
    if (full[1] !== ns) throw ApiError.field(attribute, `must name a token of namespace "${ns}" (namespaces/${ns}/apitokens/<name>)`);
    short = full[2];
  }
  const errors = nameErrors(short, 'dns-label', attribute);
  if (errors.length) throw ApiError.validation(errors);
  return short;
}

@Injectable()
export class ApiTokensService {
  constructor(
    private readonly db: PrismaService,
    private readonly store: ResourceStore,
    private readonly verifier: TokenVerifier,
  ) {}

  async list(ns: string): Promise<{ apiTokens: ApiTokenBody[] }> {
    await this.store.requireNamespace(this.db, ns);
    const rows = await this.db.apiToken.findMany({ where: { namespace: ns }, orderBy: { name: 'asc' } });
    return { apiTokens: rows.map(present) };
  }

  async get(ns: string, name: string): Promise<{ apiToken: ApiTokenBody }> {
    await this.store.requireNamespace(this.db, ns);
    const short = tokenName(ns, name, 'apiTokenName');
    const row = await this.db.apiToken.findUnique({ where: { namespace_name: { namespace: ns, name: short } } });
    if (!row) throw ApiError.notFound('ApiToken', short, ns);
    return { apiToken: present(row) };
  }

  /** 200 with the secret (the only time it is shown); 409 when the name is taken. */
  async create(ns: string, body: unknown): Promise<{ apiToken: ApiTokenBody }> {
    if (!isPlainObject(body)) throw ApiError.badRequest('The request body must be an ApiToken object.', {}, 'MalformedBody');
    const errors: FieldError[] = platformContract.validate('ApiToken', body);
    if (body.role === undefined || body.role === null || body.role === '') errors.push({ attribute: 'role', message: `is required (one of ${ROLES.join(', ')})` });
    else if (!ROLES.includes(body.role as never)) errors.push({ attribute: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if (errors.length) throw ApiError.validation(errors);
    const name = tokenName(ns, body.name);
    const { secret, lookupId } = generateSecret();
    const secretHash = await hashSecret(secret);
    return this.db.tx(async (tx) => {
      await this.store.requireNamespace(tx, ns, true);
      if (await tx.apiToken.findUnique({ where: { namespace_name: { namespace: ns, name } } })) throw ApiError.alreadyExists('ApiToken', name, ns);
      const row = await tx.apiToken.create({ data: { namespace: ns, name, role: String(body.role), lookupId, secretHash } });
      return { apiToken: { ...present(row), secret } };
    });
  }

  /** `{}`; the token stops working with the next request (this server's cache is dropped at once). */
  async remove(ns: string, name: string): Promise<Record<string, never>> {
    await this.store.requireNamespace(this.db, ns);
    const short = tokenName(ns, name, 'apiTokenName');
    const deleted = await this.db.apiToken.deleteMany({ where: { namespace: ns, name: short } });
    this.verifier.revoke(ns, short);
    if (deleted.count === 0) throw ApiError.notFound('ApiToken', short, ns);
    return {};
  }
}
