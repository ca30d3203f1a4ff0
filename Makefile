# trainperf: `make demo` runs a real benchmark, `make test` runs the tests. Both install what is missing.
BUILD_DIR ?= build
THREADS ?= 2
# Unity builds: every translation unit pays ~15 s for LibTorch's precompiled header, so batching
# sources cuts a fresh build several-fold. UNITY= (empty) builds file by file.
UNITY ?= -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16
DEMO_DIR ?= experiments/demo-$(shell date +%Y%m%d-%H%M%S)
# The venv of Debian's python3 holding the pinned torch wheel (scripts/install-deps.sh makes it).
TRAINPERF_VENV ?= $(HOME)/.cache/trainperf/venv
export TRAINPERF_VENV
CMAKE_ARGS = -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRAINPERF_PYTHON=$(TRAINPERF_VENV)/bin/python

.PHONY: all deps build build-cuda test demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_ARGS) $(UNITY) > /dev/null
	@cmake --build $(BUILD_DIR)

# The CUDA configuration (nvcc, the wheel's CUDA LibTorch): compiled and linked, never run here.
CUDA_BUILD_DIR ?= build-cuda
build-cuda: deps
	@cmake -S . -B $(CUDA_BUILD_DIR) $(CMAKE_ARGS) $(UNITY) -DTRAINPERF_CUDA=ON > /dev/null
	@cmake --build $(CUDA_BUILD_DIR) --target trainperf

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j2

# The quick suite, self-tuning, three baselines, one study: trains, scores, writes report.html.
# Two trials at a time with one thread each: each trial times its reference step under that load, so
# its budget in seconds follows (docs/timing.md); 8-9 minutes on 2 cores.
DEMO_SUBMISSIONS ?= nadamw,adamw,momentum
# One study (8-9 min here); a score interval needs two or more (README).
DEMO_STUDIES ?= 1
demo: build
	$(BUILD_DIR)/trainperf data prepare --suite quick
	$(BUILD_DIR)/trainperf bench --suite quick --submissions $(DEMO_SUBMISSIONS) --ruleset self \
	  --studies $(DEMO_STUDIES) --jobs 2 --threads 1 --experiment-dir $(DEMO_DIR)

bench: build
	$(BUILD_DIR)/trainperf data prepare --workload austen_lm
	for w in fmnist_mlp fmnist_resnet austen_lm; do $(BUILD_DIR)/bench/bench_workload_step --workload $$w --threads $(THREADS); done
	$(BUILD_DIR)/bench/bench_optim_step --threads $(THREADS)

clean:
	rm -rf $(BUILD_DIR)
