// Per workload: the time to prepare its datasets from the Debian packages (into a scratch data root,
// forced), the time its load_data then takes (checksums verified, files read), and the training rate
// of the workload + nadamw (with the runner's prefetching stream) with the fraction of step time spent
// waiting for data: once with every batch made inline in data_selection (the pipeline's own cost),
// once as the runner does it on CPU, the next batch made on a background thread (PrefetchBatchStream).
//   bench_data_pipeline [--workloads a,b,...|all] [--threads N] [--steps N] [--repeats N]
//                       [--prepare-rounds N] [--keep DIR]
// Medians over repeats; the prepare time is also printed as a ratio to the load time measured in the
// same run (how many runs' worth of loading the one-time preparation costs).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <set>

#include "bench_support.h"
#include "data/dataset_cache.h"
#include "workload_rates.h"

using namespace trainperf;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  trainperf::configure_malloc();
  CLI::App app{"per workload: dataset prepare time, load time, steps per second and data-wait fraction"};
  int threads = 1, steps = 30, repeats = 3, prepare_rounds = 1;
  std::string list = "speech_conformer,speech_lstm,molecules_gnn,mri_unet,ctr_dlrm", keep;
  app.add_option("--workloads", list, "comma-separated workload names, or 'all' (every base workload)");
  app.add_option("--threads", threads, "intra-op threads for the training steps (and the builders)");
  app.add_option("--steps", steps, "steps per timed repeat");
  app.add_option("--repeats", repeats, "timed repeats (after one warm-up)");
  app.add_option("--prepare-rounds", prepare_rounds, "forced builds of each dataset (median reported)");
  app.add_option("--keep", keep, "data root to prepare into and keep (default: a scratch folder, removed)");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> names;
  if (list == "all") {
    for (const auto& e : workloads().entries())
      if (e.make()->spec().base_workload.empty()) names.push_back(e.name);
  } else {
    names = split_names(list);
  }
  const std::string root =
      keep.empty() ? (fs::temp_directory_path() / fmt::format("trainperf-bench-data-{}", ::getpid())).string() : keep;
  fs::create_directories(root);
  set_threads(threads);
  fmt::print("LibTorch {} | BLAS {} | {} thread(s) | data root {}\n", libtorch_version(), blas_library(), threads,
             root);
  fmt::print("{:<18} {:>10} {:>9} {:>9} {:>11} {:>9} {:>12} {:>12}\n", "workload", "prepare s", "load s", "prep/load",
             "steps/s", "ms/step", "wait inline", "wait prefet.");
  std::set<std::string> prepared;
  std::map<std::string, double> prepare_s;
  int failures = 0;
  for (const auto& name : names) {
    try {
      const WorkloadEntry& entry = workloads().find(name);
      double prep = 0;
      for (const auto& dataset : entry.datasets) {
        const std::string& d = dataset.name;
        if (!prepared.count(d)) {
          std::vector<double> times;
          for (int r = 0; r < std::max(1, prepare_rounds); ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            prepare_dataset(dataset, root, /*force=*/true, [](const std::string&) {});
            times.push_back(seconds_since(t0));
          }
          prepare_s[d] = bench::median(times);
          prepared.insert(d);
        }
        prep += prepare_s[d];
      }
      DataOptions data;
      data.data_dir = root;
      std::vector<double> loads;
      for (int r = 0; r < 3; ++r) {
        auto w = make_workload(name);
        const auto t0 = std::chrono::steady_clock::now();
        w->load_data(data);
        loads.push_back(seconds_since(t0));
      }
      const double load = bench::median(loads);
      // Batches made inline (the input pipeline's own cost) and on the runner's prefetching thread.
      const bench::Rates inline_rates = bench::cpp_rates(name, data, threads, steps, repeats, /*prefetch=*/false);
      const bench::Rates rates = bench::cpp_rates(name, data, threads, steps, repeats, /*prefetch=*/true);
      const double sps = bench::median(rates.steps_per_second);
      fmt::print("{:<18} {:>10.2f} {:>9.3f} {:>8.1f}x {:>11.1f} {:>9.1f} {:>11.2f}% {:>11.2f}%\n", name, prep, load,
                 load > 0 ? prep / load : 0.0, sps, 1000 / sps, 100 * bench::median(inline_rates.data_fraction),
                 100 * bench::median(rates.data_fraction));
      std::fflush(stdout);
    } catch (const std::exception& e) {
      ++failures;
      fmt::print("{:<18} error: {}\n", name, e.what());
    }
  }
  fmt::print("(prepare: median of {} forced build(s) per dataset, shared datasets counted once per workload; "
             "load: median of 3 load_data; steps/s: median of {} x {} steps of nadamw's self-tuning point, prefetching)\n",
             std::max(1, prepare_rounds), repeats, steps);
  if (keep.empty()) fs::remove_all(root);
  return failures == 0 ? 0 : 1;
}
