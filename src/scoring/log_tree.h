// Reading experiment trees in the AlgoPerf layout (benchmark-rules.md section 6):
//   <experiment>/<submission>/study_<k>/<workload>_<framework>/trial_<i>/eval_measurements.csv
// Real trees are messy; every oddity is reported through Diagnostics and skipped.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "scoring/csv_table.h"
#include "scoring/diagnostics.h"

namespace trainperf::scoring {

struct TrialLogs {
  int index = 0;  // the i of trial_<i>
  std::filesystem::path dir;
  std::filesystem::path eval_file;  // eval_measurements.csv, or the older measurements.csv
  CsvTable evals;                   // eval rows only, in logged order
  nlohmann::json hparams;           // hparams.json; null when absent
  nlohmann::json meta;              // meta_data_*.json (the environment); null when absent
  // Why a trainperf trial is not finished (no valid trial_result.json: still running, or killed);
  // empty when it is, and for logs of other runners, which write no such file.
  std::string unfinished;
};

struct WorkloadLogs {
  std::string name;    // the folder name without its framework suffix
  std::string folder;  // e.g. "criteo1tb_jax"
  std::filesystem::path dir;
  std::vector<TrialLogs> trials;  // by trial number
};

struct StudyLogs {
  int index = 0;  // the k of study_<k>
  std::filesystem::path dir;
  std::vector<WorkloadLogs> workloads;  // by folder name
  const WorkloadLogs* find(const std::string& workload) const;
};

struct SubmissionLogs {
  std::string name;
  std::filesystem::path dir;
  std::vector<StudyLogs> studies;  // by study number
  std::vector<std::filesystem::path> excluded;  // unfinished trials left out (LogReadOptions)
  size_t num_trials() const;
};

struct LogReadOptions {
  // Leave unfinished trials out of the studies (they are listed in SubmissionLogs::excluded) instead
  // of scoring the evals they have so far with a warning per study.
  bool exclude_unfinished = false;
};

// "criteo1tb_jax" -> "criteo1tb"; the suffixes are _jax, _pytorch and _cpp (trainperf's).
std::string workload_name_of_folder(const std::string& folder);

// Each path is an experiment directory (every subfolder a submission) or a single submission folder
// (one holding study_<k> folders). Throws ScoringError when a path does not exist or nothing in any
// of them holds a trial with an eval file.
std::vector<SubmissionLogs> read_log_trees(const std::vector<std::filesystem::path>& dirs, Diagnostics& diag,
                                           const LogReadOptions& options = {});

// One submission folder; `name` is how it is reported.
SubmissionLogs read_submission(const std::filesystem::path& dir, const std::string& name, Diagnostics& diag,
                               const LogReadOptions& options = {});

}  // namespace trainperf::scoring
