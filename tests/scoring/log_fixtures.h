// Experiment trees in the AlgoPerf layout, written by the tests themselves (no downloaded logs).
#pragma once

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace trainperf::testing {

namespace fs = std::filesystem;

inline fs::path fresh_scoring_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_scoring_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct EvalRow {
  double step = 0;
  double time = 0;    // the `score` column
  double metric = 0;  // the validation metric
};

// Evals every `dt` seconds and `steps` steps; the metric moves linearly from `start` and equals
// `target` exactly at eval index `reach_at` (the published test is <= / >=, so that row counts), then
// keeps improving; reach_at < 0: it stops just short of the target.
inline std::vector<EvalRow> curve(double start, double target, int reach_at, int n_evals, double dt,
                                  double steps = 100) {
  std::vector<EvalRow> rows;
  const int reach = reach_at < 0 ? n_evals + 5 : reach_at;
  for (int i = 0; i < n_evals; ++i) {
    double m = i < reach ? start + (target - start) * (static_cast<double>(i) / reach)
                         : target + (target - start) * 0.01 * (i - reach);
    if (reach_at < 0 && i == n_evals - 1) m = start + (target - start) * 0.99;
    rows.push_back({(i + 1) * steps, (i + 1) * dt, m});
  }
  return rows;
}

inline std::string fmt_cell(double v) { return fmt::format("{}", v); }

// eval_measurements.csv with AlgoPerf's columns and `metric` ("validation/accuracy", ...).
inline std::string eval_csv(const std::string& metric, const std::vector<EvalRow>& rows) {
  std::string out =
      "global_step,score,total_duration,accumulated_submission_time,accumulated_eval_time,"
      "accumulated_logging_time,preemption_count,train/loss," + metric + ",validation/num_examples\n";
  for (const auto& r : rows)
    out += fmt::format("{},{},{},{},{},{},0,{},{},1000\n", r.step, fmt_cell(r.time), fmt_cell(r.time * 1.25),
                       fmt_cell(r.time), fmt_cell(r.time * 0.2), fmt_cell(r.time * 0.05), 0.5, fmt_cell(r.metric));
  return out;
}

inline fs::path trial_path(const fs::path& root, const std::string& submission, int study, const std::string& folder,
                           int trial) {
  return root / submission / ("study_" + std::to_string(study)) / folder / ("trial_" + std::to_string(trial));
}

inline void write_text_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline fs::path write_trial(const fs::path& root, const std::string& submission, int study, const std::string& folder,
                            int trial, const std::string& metric, const std::vector<EvalRow>& rows,
                            const nlohmann::json& hparams = {{"learning_rate", 1e-3}, {"warmup_factor", 0.05}}) {
  const fs::path dir = trial_path(root, submission, study, folder, trial);
  write_text_file(dir / "eval_measurements.csv", eval_csv(metric, rows));
  write_text_file(dir / "hparams.json", hparams.dump(2));
  write_text_file(dir / "meta_data_0.json",
                  nlohmann::json{{"framework", folder.substr(folder.rfind('_') + 1)},
                                 {"hardware", {{"device", "8x V100"}, {"cpu", "test"}}},
                                 {"git_hash", "0123abcd"},
                                 {"trial", trial}}
                      .dump(2));
  return dir;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace trainperf::testing

namespace trainperf::testing {

// A targets file for three made-up workloads (3 studies of 2 trials each).
inline fs::path write_test_targets(const fs::path& path) {
  write_text_file(path, R"({
  "name": "test table",
  "studies": 3,
  "trials_per_study": 2,
  "workloads": {
    "alpha": {"metric": "validation/accuracy", "target": 0.5, "max_runtime": 1000},
    "beta":  {"metric": "validation/loss", "target": 0.3, "max_runtime": 2000},
    "gamma": {"metric": "validation/bleu", "target": 20, "max_runtime": 3000}
  }
})");
  return path;
}

// Two submissions x three workloads, worked out by hand (see tests/scoring/scoring_test.cpp):
//   workload time [s]   adamw (JAX folders)            momentum (PyTorch folders)
//   alpha               median(100, 90, 120) = 100     210
//   beta                median(40, inf, inf) = inf     50
//   gamma               300                            1050
//   steps: alpha 400 / 700, beta inf / 100, gamma 300 / 770.
inline void write_two_by_three(const fs::path& root) {
  const std::string acc = "validation/accuracy", loss = "validation/loss", bleu = "validation/bleu";
  const std::string a = "adamw", b = "momentum";
  // adamw / alpha: study 0's trial 2 is faster in seconds but reaches at a later eval, so trial 1 counts.
  write_trial(root, a, 0, "alpha_jax", 1, acc, curve(0.1, 0.5, 4, 8, 20));
  write_trial(root, a, 0, "alpha_jax", 2, acc, curve(0.1, 0.5, 5, 8, 10));
  write_trial(root, a, 1, "alpha_jax", 1, acc, curve(0.1, 0.5, 1, 8, 45));
  write_trial(root, a, 1, "alpha_jax", 2, acc, curve(0.1, 0.5, -1, 8, 45));
  write_trial(root, a, 2, "alpha_jax", 1, acc, curve(0.1, 0.5, -1, 8, 30));
  write_trial(root, a, 2, "alpha_jax", 2, acc, curve(0.1, 0.5, 3, 8, 30));
  for (int study = 0; study < 3; ++study) {
    write_trial(root, a, study, "beta_jax", 1, loss, curve(1.0, 0.3, study == 0 ? 1 : -1, 6, 20));
    write_trial(root, a, study, "beta_jax", 2, loss, curve(1.0, 0.3, -1, 6, 20));
    write_trial(root, a, study, "gamma_jax", 1, bleu, curve(5, 20, 2, 6, 100));
    write_trial(root, a, study, "gamma_jax", 2, bleu, curve(5, 20, -1, 6, 100));
    write_trial(root, b, study, "alpha_pytorch", 1, acc, curve(0.1, 0.5, 6, 9, 30));
    write_trial(root, b, study, "alpha_pytorch", 2, acc, curve(0.1, 0.5, -1, 9, 30));
    write_trial(root, b, study, "beta_pytorch", 1, loss, curve(1.0, 0.3, 0, 4, 50));
    write_trial(root, b, study, "beta_pytorch", 2, loss, curve(1.0, 0.3, -1, 4, 50));
    write_trial(root, b, study, "gamma_pytorch", 1, bleu, curve(5, 20, 6, 8, 150, 110));
    write_trial(root, b, study, "gamma_pytorch", 2, bleu, curve(5, 20, -1, 8, 150, 110));
  }
}

// The tree of tests/golden/scoring/scores_golden.json (gen_scores.py) in the AlgoPerf layout.
inline void write_golden_tree(const nlohmann::json& golden, const fs::path& root) {
  for (const auto& t : golden["trials"]) {
    const fs::path dir = trial_path(root, t["submission"].get<std::string>(), t["study"].get<int>(),
                                    t["folder"].get<std::string>(), t["trial"].get<int>());
    fs::create_directories(dir);
    if (t.value("no_eval_file", false)) continue;
    std::vector<EvalRow> rows;
    for (const auto& r : t["rows"]) rows.push_back({r[0].get<double>(), r[1].get<double>(), r[2].get<double>()});
    std::string csv = eval_csv(t["metric"].get<std::string>(), rows);
    if (t.contains("partial_last_row")) csv += t["partial_last_row"].get<std::string>();
    write_text_file(dir / "eval_measurements.csv", csv);
  }
  for (const auto& stray : golden["stray_folders"]) fs::create_directories(root / stray.get<std::string>());
}

}  // namespace trainperf::testing
