# mnist-k8s: every entry point a person or CI uses. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := node_modules/.bin
CLI := node dist/app/src/cli/index.js
# Caches that survive a fresh clone (Cassandra jars, kube binaries, Chromium stamp).
export MNIST_CACHE ?= $(HOME)/.cache/mnist-k8s
NODES ?= 1

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z][a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# ---- install and build -------------------------------------------------------------------
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: install
install: node_modules/.installed ## install npm dependencies (offline-capable registry only)

# What tsconfig.build.json compiles: dist/ is rebuilt only when one of these (or the
# dependencies) changed since the last build, so `make run` on a built checkout starts at once.
BUILD_SOURCES := $(shell find app/src k8s -name '*.ts' -not -name '*.test.ts' -not -path 'k8s/test/*' -not -path '*/node_modules/*')
BUILD_STAMP := dist/.build-stamp

$(BUILD_STAMP): $(BUILD_SOURCES) tsconfig.json tsconfig.build.json node_modules/.installed
	$(NODE_BIN)/tsc -p tsconfig.build.json
	@touch $@

.PHONY: build
build: $(BUILD_STAMP) ## compile TypeScript to dist/ (only when a source changed)

# ---- the service -------------------------------------------------------------------------
.PHONY: run
# exec: make's child is the server itself, not a shell. `kill -TERM -<pgid>` still reaches it
# twice (from kill, and forwarded by make): the second is ignored while it drains (app/src/main.ts).
# The environment bounds its memory (app/src/cli/serve-runtime.ts).
run: build ## serve the app on http://localhost:3000 (PORT overrides), embedded store by default
	exec env MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=4 $(CLI) serve

.PHONY: train
train: build ## train the CNN on MNIST and write app/model, with its ONNX twin (EPOCHS, SEED, BATCH_SIZE override)
	$(CLI) train $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(SEED),--seed $(SEED)) $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE))

.PHONY: evaluate
evaluate: build ## accuracy of the committed model on the 10,000 MNIST test images, per inference backend (BACKENDS=onnxruntime,wasm)
	$(CLI) evaluate $(if $(BACKENDS),--backends $(BACKENDS))

.PHONY: onnx
onnx: build ## rewrite app/model/model.onnx (what onnxruntime serves) from the TF.js weights; `make train` writes it too
	$(CLI) export-onnx

.PHONY: bootstrap
bootstrap: build ## create the Cassandra keyspace, tables and app role (CASSANDRA_* env)
	$(CLI) bootstrap

.PHONY: replay
replay: build ## drive MNIST test images or recorded traffic through URL (N, CONCURRENCY, RATE, DURATION, SOURCE, OUT; SHADOW=<candidate> compares it with the active)
	$(CLI) replay $(if $(URL),--url $(URL)) $(if $(N),--n $(N)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) \
	  $(if $(RATE),--rate $(RATE)) $(if $(DURATION),--duration $(DURATION)) $(if $(SOURCE),--source $(SOURCE)) \
	  $(if $(OUT),--out $(OUT)) $(if $(MAX_P99_MS),--max-p99-ms $(MAX_P99_MS)) \
	  $(if $(MAX_ERROR_RATE),--max-error-rate $(MAX_ERROR_RATE)) $(if $(MAX_LOST),--max-lost $(MAX_LOST)) \
	  $(if $(SHADOW),--shadow $(SHADOW))

.PHONY: replay-cluster
replay-cluster: build ## replay inside the cluster as an indexed Job (IMAGE, PARALLELISM, N, CONCURRENCY|RATE, DURATION, SOURCE, NAMESPACE, OUT)
	node dist/k8s/replay/cli.js $(if $(IMAGE),--image $(IMAGE)) $(if $(PARALLELISM),--parallelism $(PARALLELISM)) \
	  $(if $(N),--n $(N)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) $(if $(RATE),--rate $(RATE)) \
	  $(if $(DURATION),--duration $(DURATION)) $(if $(SOURCE),--source $(SOURCE)) $(if $(NAMESPACE),--namespace $(NAMESPACE)) \
	  $(if $(OUT),--out $(OUT)) $(if $(MAX_P99_MS),--max-p99-ms $(MAX_P99_MS)) \
	  $(if $(MAX_ERROR_RATE),--max-error-rate $(MAX_ERROR_RATE)) $(if $(MAX_LOST),--max-lost $(MAX_LOST))

# ---- model lifecycle: learn from corrections, gate, canary, promote (docs/model-lifecycle.md) ----
# Same store env as `make run` (DATA_DIR, or CASSANDRA_*): run them beside a running service.
.PHONY: retrain
retrain: build ## fine-tune the active model on MNIST + stored corrections, publish the candidate (EPOCHS, SEED, MNIST_SAMPLE, FROM)
	$(CLI) retrain $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(SEED),--seed $(SEED)) $(if $(MNIST_SAMPLE),--mnist-sample $(MNIST_SAMPLE)) $(if $(FROM),--from $(FROM))

.PHONY: gate
gate: build ## judge a candidate against the active version, record the decision (VERSION: default the newest candidate; SERVICE_URL: agreement and p99 by shadow replay through it)
	$(CLI) gate $(VERSION) $(if $(SERVICE_URL),--service-url $(SERVICE_URL))

.PHONY: canary
canary: build ## gate VERSION (default the newest candidate; SERVICE_URL as for gate), canary it on WEIGHT of live traffic for DURATION s, promote or roll back
	$(CLI) canary $(VERSION) $(if $(WEIGHT),--weight $(WEIGHT)) $(if $(DURATION),--duration $(DURATION)) $(if $(SERVICE_URL),--service-url $(SERVICE_URL))

.PHONY: promote
promote: build ## make VERSION the active model on every replica (clears any canary)
	@test -n "$(VERSION)" || { echo 'make promote: set VERSION=<model version> (see GET /api/models)' >&2; exit 2; }
	$(CLI) promote $(VERSION)

# ---- tests and benchmarks ----------------------------------------------------------------
.PHONY: test
test: build ## install what the tests need, start Cassandra and a local kube control plane, run everything
	scripts/test.sh

.PHONY: bench
bench: build ## benchmarks: classifier, preprocessing, end to end; JSON under .bench/
	scripts/bench.sh

# ---- local Cassandra (real nodes from Maven Central jars) ---------------------------------
.PHONY: cassandra-up
cassandra-up: install ## start NODES=1|3 local Cassandra nodes on 127.0.0.1..3 and wait for CQL (and schema agreement)
	scripts/cassandra/up.sh $(NODES)

.PHONY: cassandra-down
cassandra-down: ## stop the local Cassandra nodes (keeps nothing)
	scripts/cassandra/down.sh

# ---- images for the local real node (podman, no registry) ----------------------------------
.PHONY: image
image: ## build the app image from the Dockerfile with podman: mnist-k8s:<git tree> (IMAGE overrides); loaded into the local cluster when it is up
	@name="$$(scripts/images/app.sh)" && echo "$$name" && \
	  if scripts/kube/status.sh >/dev/null 2>&1; then scripts/kube/load-images.sh "$$name"; fi

.PHONY: images
images: ## build every image the local node runs: the app, cassandra:5.0, registry.k8s.io/pause:3.10
	scripts/images/build-all.sh

.PHONY: images-load
images-load: ## load the images into the local cluster's nodes, or into one containerd (CONTAINERD_ADDRESS=/path/to/containerd.sock)
	images="$$(scripts/images/build-all.sh)" && \
	  if [ -n "$${CONTAINERD_ADDRESS:-}" ]; then scripts/images/load.sh $$images; else scripts/kube/load-images.sh $$images; fi

# ---- Kubernetes ---------------------------------------------------------------------------
.PHONY: synth
synth: install ## synthesize manifests into k8s/dist, the Helm chart into charts/, and the chart's test snapshot
	$(NODE_BIN)/tsx k8s/synth.ts
	$(NODE_BIN)/vitest run --project unit k8s/chart.test.ts --update --reporter=dot

.PHONY: kube-up
kube-up: build ## start the local cluster: control plane, 3 real nodes (containerd, kubelet), KWOK nodes; kubeconfig .kube/local.kubeconfig
	scripts/kube/up.sh

.PHONY: kube-down
kube-down: ## stop the local cluster, remove its state, leave the host as it was
	scripts/kube/down.sh

.PHONY: deploy
deploy: build ## apply the manifests in dependency order and wait (KUBECONFIG, --dry-run via DRY_RUN=1)
	node dist/k8s/deploy/cli.js deploy $(if $(DRY_RUN),--dry-run) $(if $(IMAGE),--image $(IMAGE))

.PHONY: status
status: build ## what is running: Cassandra nodes, keyspace job, app replicas, endpoints
	node dist/k8s/deploy/cli.js status

.PHONY: controller
controller: build ## run the DigitModel controller against KUBECONFIG (NAMESPACE, IMAGE for its Jobs; Ctrl-C releases its Lease)
	exec env CONTROLLER_NAMESPACE=$${NAMESPACE:-mnist} $(if $(IMAGE),LIFECYCLE_IMAGE=$(IMAGE)) CONTROLLER_HEALTH_PORT=$${CONTROLLER_HEALTH_PORT:-0} \
	  node dist/k8s/controller/main.js

.PHONY: kind-up
kind-up: build ## create a kind cluster, build and load the image, deploy, wait, print the port-forward command
	scripts/kind/up.sh

.PHONY: kind-down
kind-down: ## delete the kind cluster
	scripts/kind/down.sh

.PHONY: port-forward
port-forward: ## open the app of the kind cluster on http://localhost:8080
	kubectl --namespace $${NAMESPACE:-mnist} port-forward service/digits 8080:80
