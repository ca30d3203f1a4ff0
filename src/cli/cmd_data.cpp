// trainperf data prepare | list: build the prepared datasets from installed Debian packages into the
// cache (src/data/dataset_cache.h) and show their state.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "data/dataset_cache.h"
#include "data/fashion_mnist.h"
#include "tuning/suites.h"
#include "workloads/registry.h"

namespace trainperf::cli {

namespace {

struct DataArgs {
  std::vector<std::string> workloads;
  std::string suite;
  std::string data_dir;
  bool force = false;
};

// The datasets the selected workloads read, in registry order; all of them when nothing is selected.
std::vector<const DatasetEntry*> selected_datasets(const DataArgs& a) {
  std::vector<std::string> names = a.workloads;
  if (!a.suite.empty())
    for (const auto& w : find_suite(a.suite).workloads) names.push_back(w);
  std::vector<const DatasetEntry*> out;
  if (names.empty()) {
    for (const auto& d : datasets().entries()) out.push_back(&d);
    return out;
  }
  std::set<std::string> wanted;
  for (const auto& w : names) {
    const auto& entry = workloads().find(w);
    if (entry.datasets.empty() && a.suite.empty())
      fmt::print("{}: reads its data directly from installed packages; nothing to prepare\n", w);
    for (const auto& d : entry.datasets) wanted.insert(d.name);
  }
  for (const auto& d : datasets().entries())
    if (wanted.count(d.name)) out.push_back(&d);
  return out;
}

void prepare(const DataArgs& a) {
  const std::string root = a.data_dir.empty() ? default_data_root() : a.data_dir;
  for (const DatasetEntry* d : selected_datasets(a)) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool built = prepare_dataset(*d, root, a.force, [&](const std::string& line) {
      fmt::print("  {}: {}\n", d->name, line);
      std::fflush(stdout);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const DatasetCheck c = check_dataset(*d, root);
    if (c.status != DatasetStatus::Ok) throw DataError(fmt::format("dataset {}: {}", d->name, c.problem));
    fmt::print("{:<16} {} in {:.1f} s: {}/{} ({} files, {:.1f} MB)\n", d->name, built ? "built" : "up to date", s,
               root, d->name, c.manifest["files"].size(), c.manifest.value("total_bytes", 0) / 1e6);
  }
}

void list(const DataArgs& a) {
  const std::string root = a.data_dir.empty() ? default_data_root() : a.data_dir;
  fmt::print("data root: {}\n", root);
  for (const auto& d : datasets().entries()) {
    const DatasetCheck c = check_dataset(d, root);
    std::string users;
    for (const auto& w : workloads().entries())
      for (const auto& used : w.datasets)
        if (used.name == d.name) users += (users.empty() ? "" : ",") + w.name;
    fmt::print("  {:<16} {:<8} {}  [{}]\n", d.name, to_string(c.status), d.description, users);
    if (c.status != DatasetStatus::Ok) fmt::print("  {:<16} {:<8} {}\n", "", "", c.problem);
  }
  // Fashion-MNIST is read from its package (or --data-dir) directly, not prepared: reading it is the
  // check, and a damaged file is named (a gzip CRC error, a truncated IDX file).
  std::string users;
  for (const auto& w : workloads().entries())
    if (w.datasets.empty() && w.name.rfind("fmnist", 0) == 0) users += (users.empty() ? "" : ",") + w.name;
  std::string status = "ok", problem;
  try {
    (void)load_fashion_mnist(a.data_dir);
  } catch (const DataError& e) {
    const std::string what = e.what();
    status = what.find("file not found") != std::string::npos ? "missing" : "corrupt";
    problem = what;
  }
  fmt::print("  {:<16} {:<8} {}  [{}]\n", "fashion-mnist", status,
             fmt::format("Fashion-MNIST, read directly from the package {} (or --data-dir)", kFashionMnistPackage),
             users);
  if (!problem.empty()) fmt::print("  {:<16} {:<8} {}\n", "", "", problem);
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto args = std::make_shared<DataArgs>();
  auto* cmd = app.add_subcommand("data", "Prepare the datasets built from installed Debian packages");
  cmd->require_subcommand(1);
  auto* prep = cmd->add_subcommand("prepare", "Build (or check) the datasets of some workloads, or all of them");
  prep->add_option("--workload,-w", args->workloads, "workload(s) whose datasets to build (default: all)");
  prep->add_option("--suite", args->suite, "the datasets of every workload in a suite");
  prep->add_option("--data-dir", args->data_dir, "data root (default: $TRAINPERF_DATA_DIR or ~/.cache/trainperf)");
  prep->add_flag("--force", args->force, "rebuild even if the cache verifies");
  prep->callback([args] { prepare(*args); });
  auto* ls = cmd->add_subcommand("list", "Each dataset's state (ok, missing, stale, corrupt) and its workloads");
  ls->add_option("--data-dir", args->data_dir, "data root");
  ls->callback([args] { list(*args); });
}

}  // namespace trainperf::cli
