# syntax=docker/dockerfile:1
# Build: compile TypeScript (and copy the Lua scripts) in a full image, run on a slim one.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm's prepare step (scripts/fast-build.mjs, the build `npm start` runs) finds no sources yet and
# does nothing: the image runs the tsc build below.
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The role: all (default), api or worker: `docker run … classbell --role=worker`.
ENTRYPOINT ["node", "dist/src/main.js"]
