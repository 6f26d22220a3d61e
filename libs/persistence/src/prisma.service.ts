import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../../generated/prisma/client';

export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0] & PrismaClient;

/** The one database client of the process (Prisma 7 over the `pg` driver adapter). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(connectionString: string, poolSize = 20) {
    super({ adapter: new PrismaPg({ connectionString, max: poolSize }) });
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

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
