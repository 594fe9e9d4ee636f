# syntax=docker/dockerfile:1.7
# mnist-k8s: one image for every command (serve, bootstrap, replay, evaluate, train), and for
# the DigitModel controller (`node dist/k8s/controller/main.js`, k8s/lib/digit-model-controller.ts),
# whose Jobs run the app's lifecycle commands with this same image.
#   docker build -t mnist-k8s:local .
#   docker run --rm -p 3000:3000 mnist-k8s:local            # serve, embedded store in /app/.data
#   docker run --rm mnist-k8s:local bootstrap               # or: replay, evaluate (see --help)
#
# Three stages so the runtime holds only what runs: production node_modules (native addons
# built in `deps`, with a toolchain the runtime never sees), the compiled JavaScript (built in
# `build` with the dev dependencies), the trained model and the page's static files.
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz itself (see k8s/lib/digits-app.ts).

# Current Node.js LTS line on Debian 12 slim. 22 rather than 24: @tensorflow/tfjs-node 4.22's
# prebuilt binding and libtensorflow are proven on it. Pin a digest in a real pipeline.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The lockfile and package.json's `allowScripts` (which packages may run install scripts) are
# read by npm 11; the image's bundled npm 10 would ignore the allow-list.
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" && npm cache clean --force
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
WORKDIR /app

# ---- deps: production dependencies only, install scripts allowed (tfjs-node, better-sqlite3) ----
FROM base AS deps
# Toolchain in case a native addon has no prebuilt binary for this platform and compiles instead.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# With internet (as in a Docker build) the optional @tensorflow/tfjs-node installs: its script
# downloads libtensorflow. The wasm backend (@tensorflow/tfjs-backend-wasm) stays installed as the
# fallback the app selects when neither onnxruntime nor tfjs-node loads (INFERENCE_BACKEND=auto).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
# onnxruntime-node (optional too) is the fastest backend and the one the app picks first
# (INFERENCE_BACKEND=auto, with app/model/model.onnx). Its CPU runtime ships inside the package for
# every platform; its install script only fetches GPU providers, and package.json's allowScripts
# keeps it from running. Only this platform's binaries stay in the image (~240 MB less).
RUN keep="$(node -p 'process.platform + "/" + process.arch')" \
 && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 2 -maxdepth 2 -type d ! -path "*/$keep" -exec rm -rf {} + \
 && node -e "require('onnxruntime-node'); console.log('onnxruntime-node loads')"
# Fail the build, not the pod, when the native backend is missing; REQUIRE_TFJS_NODE=0 accepts
# an image whose TF.js fallback is wasm (e.g. a platform libtensorflow does not support).
ARG REQUIRE_TFJS_NODE=1
RUN node -e "require('@tensorflow/tfjs-node'); console.log('tfjs-node loads')" \
 || { [ "$REQUIRE_TFJS_NODE" = 0 ] && echo 'tfjs-node unavailable: the TF.js fallback will be wasm'; }
# The image carries no test files; some packages publish theirs (pino: test/**/*.test.ts).
# Only TypeScript tests go: a `*.test.js` can be real code (core-js: es.regexp.test.js).
RUN find node_modules -name '*.test.ts' -type f -delete

# ---- build: compile TypeScript with the dev dependencies ----
FROM base AS build
COPY package.json package-lock.json .npmrc ./
# tsc needs neither native addons nor the optional tfjs-node: no scripts, no optional packages.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=optional --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY app/src app/src
# The controller and what it imports (client-node, cdk8s: production dependencies already here).
COPY k8s k8s
RUN npx tsc -p tsconfig.build.json

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX and the young generation's size bound the service's memory under load
# (app/src/cli/serve-runtime.ts); harmless for the other commands.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
# Owned by root and not writable by the app's user: code and model are read-only at run time
# (Kubernetes also mounts the root filesystem read-only; data goes to mounted volumes).
COPY package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist/app dist/app
COPY --from=build /app/dist/k8s dist/k8s
COPY app/model app/model
# The page is served from app/src/web (plain files, no build step: app/src/routes/web.ts).
COPY app/src/web app/src/web
# Default DATA_DIR for `docker run` (the embedded store and spool); Kubernetes mounts a volume.
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data
# The `node` user of the base image, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000
ENTRYPOINT ["node", "dist/app/src/cli/index.js"]
CMD ["serve"]
