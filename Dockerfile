# The KUDO manager image (what `kubectl kudo init` deploys into kudo-system).
#   docker build -t kudo-ts/manager .
# Build stage: bundle the manager's sources into one ES module with esbuild (a tsx dependency).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN node_modules/.bin/esbuild src/manager/main.ts --bundle --platform=node --format=esm --target=node24 \
      --packages=external --outfile=dist/manager.mjs \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Run stage: the bundle and the production dependencies only, as the unprivileged "node" user.
FROM node:24-slim
ENV NODE_ENV=production \
    KUDO_CERT_DIR=/tmp/cert
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/manager.mjs ./manager.mjs
USER node
# Webhook (the Service maps 443 to it), metrics, health probes.
EXPOSE 9443 8080 8081
ENTRYPOINT ["node", "manager.mjs"]
CMD ["--webhook-port", "9443", "--leader-elect"]
