// Every built-in submission by name. A submission folder holds its code, `search_space.json`
// (external tuning) and `self_tuning.json` (its fixed configuration under self-tuning), defines
// `void register_<folder>(SubmissionRegistry&)`, and gets one line in registry.cpp.
#pragma once

#include <trainperf/hparams.h>
#include <trainperf/submission.h>

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
  std::string folder;  // where search_space.json and self_tuning.json live

  SearchSpace search_space() const;         // the submission's external-tuning space
  Hyperparameters self_tuning_config() const;  // its self-tuning configuration
};

class SubmissionRegistry {
 public:
  void add(SubmissionEntry entry);
  const std::vector<SubmissionEntry>& entries() const { return entries_; }
  const SubmissionEntry& find(const std::string& name) const;  // throws listing the known names

 private:
  std::vector<SubmissionEntry> entries_;
};

const SubmissionRegistry& submissions();

// The JSON files compiled into the binary from src/submissions/*/ (path relative to src/submissions).
const std::map<std::string, std::string>& embedded_files();

}  // namespace trainperf
