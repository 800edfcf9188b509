# The emulator as an image, for docker-compose users; `npm start` needs none of this.
#   docker build -t aurora-ml-emulator .
#   docker run --rm -p 127.0.0.1:5433:5433 -p 127.0.0.1:4599:4599 aurora-ml-emulator
# Two stages: the first compiles the TypeScript with the dev dependencies, the
# second holds only the compiled code and the production dependencies, and runs
# as the unprivileged `node` user. test/dockerfile.test.ts replays these steps.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: compiling needs TypeScript only, not the embedded PostgreSQL or Prisma's engines.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The optional embedded PostgreSQL stays (59 MB): `docker run` with no upstream works as `npm start` does.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY THIRD_PARTY_NOTICES.md ./
# The control plane's state lives in /data (mount a volume to keep it); the code stays root-owned.
ENV AURORA_ML_DATA_DIR=/data
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
# Inside a container the listeners must face the container's network; publish them on the
# host's loopback (`-p 127.0.0.1:...`), as docker-compose.yml does.
ENV AURORA_ML_PG_LISTEN=0.0.0.0:5433 \
    AURORA_ML_API_LISTEN=0.0.0.0:4599
EXPOSE 5433 3307 4599
ENTRYPOINT ["node", "bin/aurora-ml-emulator.js"]
