# The emulator for docker-compose users; not needed for `npm start`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
EXPOSE 5433 3307 4599
ENTRYPOINT ["node", "bin/aurora-ml-emulator.js"]
