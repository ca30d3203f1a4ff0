#include "scoring/log_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

namespace trainperf::scoring {

namespace fs = std::filesystem;

const WorkloadLogs* StudyLogs::find(const std::string& workload) const {
  for (const auto& w : workloads)
    if (w.name == workload) return &w;
  return nullptr;
}

size_t SubmissionLogs::num_trials() const {
  size_t n = 0;
  for (const auto& s : studies)
    for (const auto& w : s.workloads) n += w.trials.size();
  return n;
}

std::string workload_name_of_folder(const std::string& folder) {
  static const std::regex suffix("_(jax|pytorch|cpp)$");
  return std::regex_replace(folder, suffix, "");
}

namespace {

// The k of "study_<k>" / the i of "trial_<i>", if the name has that form.
std::optional<int> numbered(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string digits = name.substr(prefix.size());
  if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return std::nullopt;
  return std::stoi(digits);
}

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

std::vector<fs::path> subdirectories(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && !hidden(entry.path())) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool has_numbered_child(const fs::path& dir, const std::string& prefix) {
  for (const auto& d : subdirectories(dir))
    if (numbered(d.filename().string(), prefix)) return true;
  return false;
}

// A folder of workload folders (a study, or a submission of the older layout without studies).
bool holds_workload_folders(const fs::path& dir) {
  for (const auto& d : subdirectories(dir))
    if (has_numbered_child(d, "trial_")) return true;
  return false;
}

// Folders `trainperf score` writes its tables into may sit inside an experiment tree; not logs.
bool is_score_output(const fs::path& dir) {
  return fs::is_regular_file(dir / "scores.csv") && fs::is_regular_file(dir / "performance_profiles.csv");
}

bool looks_like_submission(const fs::path& dir) {
  return has_numbered_child(dir, "study_") || holds_workload_folders(dir);
}

nlohmann::json read_json(const fs::path& path, Diagnostics& diag) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    diag.warn(path.string(), std::string("not valid JSON; ignored (") + e.what() + ")");
    return nullptr;
  }
}

std::optional<fs::path> first_meta_file(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && name.rfind("meta_data_", 0) == 0 && entry.path().extension() == ".json")
      found.push_back(entry.path());
  }
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end());
  return found.front();
}

// measurements.csv (the older name) interleaves train-loss rows; keep the eval rows, which are the
// ones with a validation metric.
void keep_eval_rows(CsvTable& table) {
  std::vector<int> validation_cols;
  for (size_t i = 0; i < table.header.size(); ++i)
    if (table.header[i].rfind("validation/", 0) == 0) validation_cols.push_back(static_cast<int>(i));
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> lines;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    bool eval = false;
    for (int c : validation_cols) eval = eval || !table.rows[r][c].empty();
    if (!eval) continue;
    rows.push_back(std::move(table.rows[r]));
    if (r < table.lines.size()) lines.push_back(table.lines[r]);
  }
  table.rows = std::move(rows);
  table.lines = std::move(lines);
}

// A trial that trainperf runs (its meta_data names trainperf, or it has a trial_<i>.lock beside it)
// is finished once its trial_result.json is a JSON object with a status (written last, atomically).
// Other runners' logs have no such marker and count as finished.
std::string unfinished_reason(const fs::path& dir, const nlohmann::json& meta) {
  const fs::path lock = dir.string() + ".lock";
  const bool ours = (meta.is_object() && meta.contains("trainperf_version")) || fs::exists(lock);
  if (!ours) return "";
  std::ifstream in(dir / "trial_result.json");
  if (in) {
    try {
      const auto j = nlohmann::json::parse(in);
      if (j.is_object() && j.contains("status")) return "";
    } catch (const nlohmann::json::exception&) {
    }
  }
  std::string why = in ? "trial_result.json does not read as a result" : "no trial_result.json";
  // `trainperf run` holds an exclusive lock on it while the trial runs.
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) why += ": still running (its lock is held)";
    ::close(fd);
  }
  return why;
}

std::optional<TrialLogs> read_trial(const fs::path& dir, int index, const fs::path& workload_dir, Diagnostics& diag) {
  TrialLogs trial;
  trial.index = index;
  trial.dir = dir;
  if (fs::is_regular_file(dir / "eval_measurements.csv")) {
    trial.eval_file = dir / "eval_measurements.csv";
    trial.evals = read_csv(trial.eval_file, diag);
  } else if (fs::is_regular_file(dir / "measurements.csv")) {
    trial.eval_file = dir / "measurements.csv";
    trial.evals = read_csv(trial.eval_file, diag);
    keep_eval_rows(trial.evals);
  } else {
    diag.warn(dir.string(), "trial folder without eval_measurements.csv or measurements.csv; skipped");
    return std::nullopt;
  }
  if (trial.evals.header.empty()) diag.warn(trial.eval_file.string(), "empty file (no header); no evals read");
  trial.hparams = read_json(dir / "hparams.json", diag);
  auto meta = first_meta_file(dir);
  if (!meta) meta = first_meta_file(workload_dir);
  if (meta) trial.meta = read_json(*meta, diag);
  trial.unfinished = unfinished_reason(dir, trial.meta);
  return trial;
}

std::optional<WorkloadLogs> read_workload(const fs::path& dir, Diagnostics& diag) {
  WorkloadLogs w;
  w.folder = dir.filename().string();
  w.name = workload_name_of_folder(w.folder);
  w.dir = dir;
  if (!has_numbered_child(dir, "trial_")) {
    diag.warn(dir.string(), "folder without trial_<i> subfolders; ignored");
    return std::nullopt;
  }
  std::map<int, fs::path> trial_dirs;
  for (const auto& d : subdirectories(dir)) {
    if (auto index = numbered(d.filename().string(), "trial_"))
      trial_dirs.emplace(*index, d);
    else
      diag.warn(d.string(), "not a trial_<i> folder; ignored");
  }
  for (const auto& [index, d] : trial_dirs)
    if (auto trial = read_trial(d, index, dir, diag)) w.trials.push_back(std::move(*trial));
  if (w.trials.empty()) return std::nullopt;
  return w;
}

StudyLogs read_study(const fs::path& dir, int index, Diagnostics& diag, const LogReadOptions& options,
                     std::vector<fs::path>& excluded) {
  StudyLogs study;
  study.index = index;
  study.dir = dir;
  for (const auto& d : subdirectories(dir)) {
    if (is_score_output(d)) continue;
    if (numbered(d.filename().string(), "study_")) {
      diag.warn(d.string(), "a study folder inside a study folder; ignored");
      continue;
    }
    auto w = read_workload(d, diag);
    if (!w) continue;
    if (const auto* seen = study.find(w->name)) {
      diag.warn(d.string(), fmt::format("workload '{}' is also logged in '{}' (another framework); this one is ignored",
                                        w->name, seen->folder));
      continue;
    }
    study.workloads.push_back(std::move(*w));
  }
  // Unfinished trials, per study: scored with the evals they have so far (a killed trial's last
  // evals, a running trial's first), or left out when asked.
  size_t total = 0;
  std::vector<std::string> unfinished;
  for (auto& w : study.workloads) {
    total += w.trials.size();
    std::vector<TrialLogs> kept;
    for (auto& t : w.trials) {
      if (t.unfinished.empty()) {
        kept.push_back(std::move(t));
        continue;
      }
      unfinished.push_back(fmt::format("{}/trial_{} ({})", w.folder, t.index, t.unfinished));
      if (options.exclude_unfinished)
        excluded.push_back(t.dir);
      else
        kept.push_back(std::move(t));
    }
    w.trials = std::move(kept);
  }
  if (!unfinished.empty() && !options.exclude_unfinished) {
    std::string list;
    for (const auto& u : unfinished) list += (list.empty() ? "" : ", ") + u;
    diag.warn(dir.string(), fmt::format("{} of {} trials unfinished: {}; scored with the evals they logged so far "
                                        "(--exclude-unfinished leaves them out)",
                                        unfinished.size(), total, list));
  }
  std::erase_if(study.workloads, [](const WorkloadLogs& w) { return w.trials.empty(); });
  return study;
}

}  // namespace

SubmissionLogs read_submission(const fs::path& dir, const std::string& name, Diagnostics& diag,
                               const LogReadOptions& options) {
  SubmissionLogs sub;
  sub.name = name;
  sub.dir = dir;
  if (has_numbered_child(dir, "study_")) {
    std::map<int, fs::path> study_dirs;
    for (const auto& d : subdirectories(dir)) {
      if (auto index = numbered(d.filename().string(), "study_"))
        study_dirs.emplace(*index, d);
      else if (!is_score_output(d))
        diag.warn(d.string(), "not a study_<k> folder; ignored");
    }
    for (const auto& [index, d] : study_dirs) {
      auto study = read_study(d, index, diag, options, sub.excluded);
      if (!study.workloads.empty()) sub.studies.push_back(std::move(study));
    }
  } else {
    // The older layout without study folders: one study.
    auto study = read_study(dir, 0, diag, options, sub.excluded);
    if (!study.workloads.empty()) sub.studies.push_back(std::move(study));
  }
  return sub;
}

std::vector<SubmissionLogs> read_log_trees(const std::vector<fs::path>& dirs, Diagnostics& diag,
                                           const LogReadOptions& options) {
  std::vector<SubmissionLogs> subs;
  auto add = [&](const fs::path& dir, std::string name) {
    auto sub = read_submission(dir, name, diag, options);
    if (sub.num_trials() == 0) {
      diag.warn(dir.string(), "submission folder holds no readable trials; ignored");
      return;
    }
    for (const auto& other : subs)
      if (other.name == sub.name) sub.name = dir.parent_path().filename().string() + "/" + sub.name;
    subs.push_back(std::move(sub));
  };
  for (const auto& given : dirs) {
    const fs::path dir = given.has_filename() ? given : given.parent_path();
    if (!fs::exists(dir)) throw ScoringError("'" + given.string() + "' does not exist");
    if (!fs::is_directory(dir)) throw ScoringError("'" + given.string() + "' is not a directory");
    if (looks_like_submission(dir)) {
      add(dir, fs::weakly_canonical(dir).filename().string());
      continue;
    }
    for (const auto& d : subdirectories(dir)) {
      if (looks_like_submission(d))
        add(d, d.filename().string());
      else if (!is_score_output(d))
        diag.warn(d.string(), "no study_<k> or trial folders; not a submission, ignored");
    }
  }
  if (subs.empty()) {
    std::string list;
    for (const auto& d : dirs) list += (list.empty() ? "'" : ", '") + d.string() + "'";
    throw ScoringError(list + ": no trials found (expected <submission>/study_<k>/<workload>_<framework>/"
                              "trial_<i>/eval_measurements.csv)");
  }
  return subs;
}

}  // namespace trainperf::scoring
