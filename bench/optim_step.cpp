// Time of one optimizer step on ~10M parameters of realistic shapes, for every optimizer in
// src/optim, relative to AdamW; and trainperf's AdamW and SGD (momentum 0.9) relative to Python's
// torch.optim.AdamW / torch.optim.SGD on the same shapes (bench/optim_step_ref.py), in one run.
//   bench_optim_step [--threads N] [--warmup N] [--repeats N] [--rounds N]
// Each round builds fresh parameters and fixed random gradients, runs `warmup` untimed steps and then
// times `repeats` single steps; the table shows the median over all rounds. C++ and Python rounds
// alternate so that machine noise hits both alike. The optimizers are src/optim/catalog.h's table.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "optim/adamw.h"
#include "optim/sam.h"
#include "optim/shampoo.h"
#include "util/environment.h"

#include "bench_support.h"
#include "optim/averaging.h"
#include "optim/catalog.h"

using namespace trainperf;

namespace {

using Shape = std::vector<int64_t>;

// ~10M parameters: transformer-sized matrices, ResNet-like convolutions, a classifier head, vectors.
std::vector<Shape> parameter_shapes() {
  std::vector<Shape> shapes;
  auto add = [&](Shape s, int n) { shapes.insert(shapes.end(), n, s); };
  add({1024, 1024}, 4);
  add({512, 2048}, 2);
  add({2048, 512}, 1);
  add({256, 256, 3, 3}, 3);
  add({128, 128, 3, 3}, 2);
  add({64, 3, 7, 7}, 1);
  add({1000, 512}, 1);
  add({1024}, 12);
  add({2048}, 4);
  add({512}, 6);
  add({256}, 6);
  return shapes;
}

// One timed unit of work, built over the parameters (an optimizer step, or an averaging update).
using Step = std::function<void()>;
using MakeStep = std::function<Step(std::vector<torch::Tensor>)>;

template <class Opt, class Options>
MakeStep optimizer(Options options) {
  return [options](std::vector<torch::Tensor> params) -> Step {
    std::shared_ptr<Opt> opt = std::make_shared<Opt>(params, options);
    return [opt] { opt->step(); };
  };
}

// SAM's own work per step (perturb + restore) on top of its AdamW step; the second forward/backward
// pass it needs is the model's, not the optimizer's, and is not timed here.
Step sam_step(std::vector<torch::Tensor> params) {
  auto opt = std::make_shared<SAM>(std::make_unique<AdamW>(params, AdamWOptions(1e-3)), SAMOptions(0.05));
  return [opt] {
    opt->perturb();
    opt->restore_and_step();
  };
}

struct Entry {
  std::string name;
  MakeStep make;
};

// Every optimizer of src/optim/catalog.h, with its settings, plus the weight averages. Two are timed
// differently: SAM without its closure (the optimizer's part of the step), and Shampoo recomputing
// its roots on the last warm-up step (precondition_frequency = warmup), so timed steps precondition
// with roots but do not recompute them; the recomputation shows as "slowest".
std::vector<Entry> optimizers(int warmup) {
  std::vector<Entry> entries;
  for (const OptimizerEntry& o : optimizer_catalog()) {
    if (o.needs_closure) {
      entries.push_back({o.name + ", optimizer part", sam_step});
    } else if (o.name == "shampoo") {
      entries.push_back({o.name, optimizer<Shampoo>(ShampooOptions(1e-3).precondition_frequency(warmup))});
    } else {
      entries.push_back({o.name, [make = o.make](std::vector<torch::Tensor> params) -> Step {
                           std::shared_ptr<torch::optim::Optimizer> opt = make(std::move(params));
                           return [opt] { opt->step(); };
                         }});
    }
  }
  entries.push_back({"ema update (no optimizer)", [](std::vector<torch::Tensor> p) -> Step {
                       auto avg = std::make_shared<EmaAverage>(p, 0.999);
                       return [avg] { avg->update(); };
                     }});
  entries.push_back({"lawa update (k=5, every step)", [](std::vector<torch::Tensor> p) -> Step {
                       auto avg = std::make_shared<LawaAverage>(p, 5, 1);
                       return [avg] { avg->update(); };
                     }});
  return entries;
}

struct Timings {
  std::vector<double> step_ms;  // timed steps
  double slowest_ms = 0;        // over warm-up and timed steps
};

void time_one(const Entry& e, int warmup, int repeats, uint64_t seed, Timings& out) {
  torch::manual_seed(static_cast<int64_t>(seed));
  std::vector<torch::Tensor> params;
  for (const auto& s : parameter_shapes()) {
    torch::Tensor p = (torch::randn(s) * 0.02).requires_grad_();
    p.mutable_grad() = torch::randn(s) * 1e-3;
    params.push_back(p);
  }
  Step step = e.make(params);
  for (int i = 0; i < warmup + repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    step();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i >= warmup) out.step_ms.push_back(ms);
    out.slowest_ms = std::max(out.slowest_ms, ms);
  }
}

std::string shapes_arg() {
  std::string s;
  for (const auto& shape : parameter_shapes()) {
    if (!s.empty()) s += ",";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  }
  return s;
}

nlohmann::json python_timings(int threads, int warmup, int repeats) {
  return bench::run_python_reference(
      "optim_step_ref.py",
      fmt::format("--threads {} --warmup {} --repeats {} --shapes {} --malloc {}", threads, warmup, repeats,
                  shapes_arg(), malloc_settings().applied ? "fixed" : "default"));
}

}  // namespace

int main(int argc, char** argv) {
  trainperf::configure_malloc();
  CLI::App app{"One optimizer step on ~10M parameters: every optimizer vs AdamW, and vs Python torch.optim"};
  int threads = 1, warmup = 5, repeats = 4, rounds = 3;
  std::string only;
  app.add_option("--threads", threads, "intra-op threads, for C++ and Python alike");
  app.add_option("--warmup", warmup, "untimed steps per round (Shampoo computes its roots on the last)");
  app.add_option("--repeats", repeats, "timed steps per round (keep below --warmup for Shampoo)");
  app.add_option("--rounds", rounds, "alternating C++ / Python rounds");
  app.add_option("--only", only, "time only these optimizers (comma-separated names)");
  CLI11_PARSE(app, argc, argv);
  if (repeats >= warmup) {
    repeats = warmup - 1;
    fmt::print("note: --repeats lowered to {} so that Shampoo's timed steps do not recompute roots\n", repeats);
  }

  set_threads(threads);
  int64_t numel = 0;
  for (const auto& s : parameter_shapes())
    numel += std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>());
  fmt::print(
      "optimizer step, {} tensors, {:.2f}M float32 parameters, {} thread(s), {} warm-up + {} timed steps x {} rounds\n",
      parameter_shapes().size(), numel / 1e6, threads, warmup, repeats, rounds);
  fmt::print("LibTorch {} | BLAS {}\n", libtorch_version(), blas_library());
  std::fflush(stdout);

  const auto entries = optimizers(warmup);
  std::vector<Timings> cpp(entries.size());
  std::vector<double> py_adamw, py_sgd;
  std::string py_version;
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < entries.size(); ++i)
      if (only.empty() || ("," + only + ",").find("," + entries[i].name + ",") != std::string::npos) {
        fmt::print(stderr, "round {}/{}: {}\n", r + 1, rounds, entries[i].name);
        time_one(entries[i], warmup, repeats, 1000 + r, cpp[i]);
      }
    const auto j = python_timings(threads, warmup, repeats);
    py_version = j["torch_version"];
    for (double v : j["adamw_ms"]) py_adamw.push_back(v);
    for (double v : j["sgd_ms"]) py_sgd.push_back(v);
  }

  // Entries 0 and 2 are AdamW and heavy-ball SGD, the two compared with Python.
  const double adamw = cpp[0].step_ms.empty() ? 0.0 : bench::median(cpp[0].step_ms);
  fmt::print("\n| optimizer | median step (ms) | vs AdamW | slowest step (ms) |\n|---|---:|---:|---:|\n");
  for (size_t i = 0; i < entries.size(); ++i) {
    if (cpp[i].step_ms.empty()) continue;
    const double m = bench::median(cpp[i].step_ms);
    fmt::print("| {} | {:.1f} | {} | {:.1f} |\n", entries[i].name, m,
               adamw > 0 ? fmt::format("{:.2f}", m / adamw) : "-", cpp[i].slowest_ms);
  }
  fmt::print("\n| same step in Python (torch {}) | Python median (ms) | trainperf / Python |\n|---|---:|---:|\n",
             py_version);
  if (adamw > 0)
    fmt::print("| torch.optim.AdamW vs trainperf adamw | {:.1f} | {:.2f} |\n", bench::median(py_adamw),
               adamw / bench::median(py_adamw));
  if (!cpp[2].step_ms.empty())
    fmt::print("| torch.optim.SGD(momentum=0.9) vs trainperf sgd_momentum | {:.1f} | {:.2f} |\n", bench::median(py_sgd),
               bench::median(cpp[2].step_ms) / bench::median(py_sgd));
  return 0;
}
