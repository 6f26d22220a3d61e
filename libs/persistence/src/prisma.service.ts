import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { Prisma, PrismaClient } from '../../../generated/prisma/client';

export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0] & PrismaClient;

/** The one database client of the process (Prisma 7 over the `pg` driver adapter). */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  /** the pool Prisma's adapter uses; also serves `queryRows` */
  readonly pool: Pool;

  constructor(connectionString: string, poolSize = 20) {
    // A database that accepts connections but never answers (frozen host, network partition) must not
    // hang requests: connecting and every query are bounded, and the error is answered with 503.
    // (The query bound is generous: a query may legitimately wait on a row lock held by another writer.)
    const pool = new Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    // an idle client's backend error (e.g. the database shutting down) must not crash the process;
    // the adapter installs this handler only on pools it creates itself
    pool.on('error', () => undefined);
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
  }

  /**
   * A read outside any transaction, straight on the pool: the same SQL and the same row types as
   * `$queryRaw` (uuid/text as string, int4 as number, timestamptz as Date, jsonb parsed) without
   * Prisma's query interpreter, which dominates the cost of the hot GET and LIST paths.
   */
  async queryRows<T>(query: Prisma.Sql): Promise<T[]> {
    return (await this.pool.query(query.text, query.values)).rows as T[];
  }

  /** One interactive transaction; long enough waits for 50+ writers queueing on one row. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.$transaction((t) => fn(t as Tx), { maxWait: 20_000, timeout: 30_000 });
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  /** The last shutdown phase: every module's onModuleDestroy (e.g. the reconciler's stop) has run and the HTTP server is closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}
