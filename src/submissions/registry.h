// Every built-in submission by name. A submission folder holds its code, `search_space.json`
// (external tuning) and `self_tuning.json` (its fixed configuration under self-tuning), defines
// `void register_<folder>(SubmissionRegistry&)` with the hyperparameters it reads, and gets one line
// in registry.cpp. A decorator (e.g. an average of the weights of another submission) names its
// base: it takes the base's search space and self-tuning configuration when its folder has none.
#pragma once

#include <trainperf/hparams.h>
#include <trainperf/submission.h>

#include "tuning/search_space.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {

struct SubmissionEntry {
  std::string name;
  std::string description;
  std::string source;  // paper / reference implementation
  std::function<std::unique_ptr<Submission>()> make;
  std::string folder;    // where search_space.json and self_tuning.json live
  HParamSchema hparams;  // the keys the submission reads (the harness's dropout keys are added)
  std::string base = {};  // a decorator's base submission: its search space and self-tuning config
  // Plugins carry the JSON texts themselves (folder is then the plugin's path).
  std::string search_space_json = {};
  std::string self_tuning_json = {};
  // Why there is no search space / self-tuning configuration, when there is none (a Python file
  // without tuning_search_space.json or HPARAMS): search_space() / self_tuning_config() throw it.
  std::string no_search_space = {};
  std::string no_self_tuning = {};

  // Every key a point may set: the submission's own and the harness's (dropout).
  HParamSchema schema() const;
  // `point` resolved against schema() (defaults filled in); throws SearchSpaceError naming `where`.
  Hyperparameters resolve(const Hyperparameters& point, const std::string& where) const;

  SearchSpace search_space() const;            // the submission's external-tuning space
  Hyperparameters self_tuning_config() const;  // its self-tuning configuration, resolved
};

class SubmissionRegistry {
 public:
  void add(SubmissionEntry entry);
  const std::vector<SubmissionEntry>& entries() const { return entries_; }
  const SubmissionEntry& find(const std::string& name) const;  // throws listing the known names
  // A decorator's schema becomes its base's keys followed by its own (once all are registered).
  void inherit_base_hparams();

 private:
  std::vector<SubmissionEntry> entries_;
};

const SubmissionRegistry& submissions();

// A built-in name, the path of a plugin (a shared library; loaded once, API version checked), or a
// Python submission (python/python_submission.h: a *.py file, torch.optim.X, module:Class; loaded
// once per argument and search space, whose keys a Python file accepts).
const SubmissionEntry& resolve_submission(const std::string& name_or_path, const std::string& search_space_path = "");
// Loads a plugin and returns the submissions it registers; throws naming the file on any problem.
std::vector<SubmissionEntry> load_plugin(const std::string& path);

// The JSON files compiled into the binary from src/submissions/*/ (path relative to src/submissions).
const std::map<std::string, std::string>& embedded_files();

}  // namespace trainperf
