export * from './prisma.service';
export * from './migrations';
export * from './embedded-postgres';
export * from './project-root';
