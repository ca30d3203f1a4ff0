// A trial's files in the AlgoPerf layout:
//   <experiment_dir>/<submission>/study_<k>/<workload>_<framework>/trial_<i>/
//     eval_measurements.csv  hparams.json  meta_data_0.json  flags_0.json  trial_result.json
// Rows are flushed as they are written; trial_result.json (written last, atomically) marks a
// finished trial.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <fstream>
#include <string>
#include <vector>

#include "runner/runner.h"

namespace trainperf {

inline constexpr const char* kFramework = "cpp";

std::filesystem::path trial_dir(const std::filesystem::path& experiment_dir, const std::string& submission,
                                int study, const std::string& workload, int trial);

// Writes text to path via a temporary file and a rename (readers never see half a file).
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

// Creates a directory tree, or throws naming the directory and the reason.
void ensure_directory(const std::filesystem::path& dir, const std::string& what);

class TrialLog {
 public:
  // Creates the trial directory (clearing files of an unfinished earlier attempt).
  explicit TrialLog(std::filesystem::path dir);
  // Continues an unfinished attempt resumed from its checkpoint: the files stay, and
  // eval_measurements.csv keeps its header and first `kept_rows` rows (the evaluations the checkpoint
  // had seen; later ones are made again). Throws naming the file when it holds fewer.
  TrialLog(std::filesystem::path dir, int64_t kept_rows);

  const std::filesystem::path& dir() const { return dir_; }
  void write_json(const std::string& filename, const nlohmann::json& j);
  void append_eval(const EvalRecord& record);
  void finish(const TrialResult& result);

  // Finished: trial_result.json exists and is a JSON object with a "status" (a truncated or corrupt
  // one marks an unfinished trial, which is rerun).
  static bool is_finished(const std::filesystem::path& dir);
  // What is wrong with a trial_result.json that exists but does not mark the trial finished
  // ("<file>: <problem>"); nullopt when it is valid or absent.
  static std::optional<std::string> corrupt_result(const std::filesystem::path& dir);
  // Throws std::runtime_error naming the file when it cannot be read as a trial result.
  static nlohmann::json read_result(const std::filesystem::path& dir);

 private:
  std::filesystem::path dir_;
  std::ofstream csv_;
  std::vector<std::string> header_;
};

nlohmann::json to_json(const TrialResult& result);

}  // namespace trainperf
