#include "runner/trial_logs.h"

#include <variant>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace trainperf {

namespace fs = std::filesystem;

fs::path trial_dir(const fs::path& experiment_dir, const std::string& submission, int study,
                   const std::string& workload, int trial) {
  return experiment_dir / submission / ("study_" + std::to_string(study)) /
         (workload + "_" + kFramework) / ("trial_" + std::to_string(trial));
}

void ensure_directory(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw std::runtime_error("cannot create " + what + " '" + dir.string() + "': " +
                             (ec ? ec.message() : "a file of that name is in the way"));
  const fs::path probe = dir / ".trainperf_write_test";
  {
    std::ofstream out(probe);
    if (!out) throw std::runtime_error(what + " '" + dir.string() + "' is not writable");
  }
  fs::remove(probe, ec);
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + tmp.string() + "'");
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write '" + tmp.string() + "' (disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot rename '" + tmp.string() + "' to '" + path.string() + "': " + ec.message());
}

TrialLog::TrialLog(fs::path dir) : dir_(std::move(dir)) {
  if (is_finished(dir_))
    throw std::logic_error("trial '" + dir_.string() + "' is already finished; its files are kept");
  ensure_directory(dir_, "trial directory");
  // An unfinished earlier attempt restarts from scratch.
  for (const auto& entry : fs::directory_iterator(dir_)) fs::remove_all(entry.path());
  csv_.open(dir_ / "eval_measurements.csv", std::ios::trunc);
  if (!csv_) throw std::runtime_error("cannot write '" + (dir_ / "eval_measurements.csv").string() + "'");
}

TrialLog::TrialLog(fs::path dir, int64_t kept_rows) : dir_(std::move(dir)) {
  const fs::path file = dir_ / "eval_measurements.csv";
  std::string kept;
  {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    int64_t rows = -1;  // the header is row -1
    while (rows < kept_rows && std::getline(in, line)) {
      if (in.eof()) break;  // a last line without its newline: cut short by the kill
      kept += line + '\n';
      if (rows == -1) {
        for (size_t begin = 0, comma = 0; comma != std::string::npos; begin = comma + 1) {
          comma = line.find(',', begin);
          header_.push_back(line.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
        }
      }
      ++rows;
    }
    if (kept_rows > 0 && rows < kept_rows)
      throw std::runtime_error(fmt::format("{}: {} evaluation rows, the checkpoint saw {}", file.string(),
                                           std::max<int64_t>(rows, 0), kept_rows));
  }
  if (kept_rows == 0) header_.clear();  // rewritten with the first row
  write_file_atomic(file, kept_rows == 0 ? std::string() : kept);
  csv_.open(file, std::ios::app);
  if (!csv_) throw std::runtime_error("cannot write '" + file.string() + "'");
}

void TrialLog::write_json(const std::string& filename, const nlohmann::json& j) {
  write_file_atomic(dir_ / filename, j.dump(2) + "\n");
}

namespace {
std::string format_value(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);  // shortest representation that round-trips
}
}  // namespace

void TrialLog::append_eval(const EvalRecord& record) {
  auto cols = record.columns();
  if (header_.empty()) {
    for (const auto& c : cols) header_.push_back(c.first);
    std::string line;
    for (const auto& h : header_) line += (line.empty() ? "" : ",") + h;
    csv_ << line << '\n';
  }
  std::map<std::string, double> by_name(cols.begin(), cols.end());
  std::string line;
  for (size_t i = 0; i < header_.size(); ++i) {
    if (i) line += ',';
    auto it = by_name.find(header_[i]);
    if (it != by_name.end()) line += format_value(it->second);
  }
  csv_ << line << '\n';
  csv_.flush();  // a killed run leaves every finished row readable
  if (!csv_) throw std::runtime_error("cannot append to '" + (dir_ / "eval_measurements.csv").string() + "'");
}

nlohmann::json to_json(const TrialResult& r) {
  nlohmann::json j = {
      {"status", to_string(r.status)},
      {"global_step", r.global_step},
      {"submission_time", r.submission_time},
      {"max_runtime", r.max_runtime_s},
      {"num_evals", r.num_evals},
      {"best_validation", r.best_validation},
      {"time_to_target", r.time_to_target ? nlohmann::json(*r.time_to_target) : nlohmann::json(nullptr)},
      {"step_to_target", r.step_to_target ? nlohmann::json(*r.step_to_target) : nlohmann::json(nullptr)},
  };
  j["eval_period"] = r.eval_period_s;
  j["preemption_count"] = r.preemption_count;
  if (r.reference_step_s > 0) {
    // The same times in reference steps (docs/timing.md): comparable across machines.
    j["reference_step_s"] = r.reference_step_s;
    j["max_runtime_reference_steps"] = r.max_runtime_s / r.reference_step_s;
    j["submission_time_reference_steps"] = r.submission_time / r.reference_step_s;
    j["time_to_target_reference_steps"] =
        r.time_to_target ? nlohmann::json(*r.time_to_target / r.reference_step_s) : nlohmann::json(nullptr);
  }
  if (!r.message.empty()) j["message"] = r.message;
  return j;
}

void TrialLog::finish(const TrialResult& result) {
  csv_.close();
  write_json("trial_result.json", to_json(result));
}

namespace {
// The parsed result, or the reason it is not one.
std::variant<nlohmann::json, std::string> parse_result(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return file.string() + ": cannot be read";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    return file.string() + ": not valid JSON (" + e.what() + ")";
  }
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string())
    return file.string() + ": not a trial result (no \"status\")";
  return j;
}
}  // namespace

bool TrialLog::is_finished(const fs::path& dir) {
  const fs::path file = dir / "trial_result.json";
  return fs::exists(file) && std::holds_alternative<nlohmann::json>(parse_result(file));
}

std::optional<std::string> TrialLog::corrupt_result(const fs::path& dir) {
  const fs::path file = dir / "trial_result.json";
  if (!fs::exists(file)) return std::nullopt;
  auto r = parse_result(file);
  if (auto* problem = std::get_if<std::string>(&r)) return *problem;
  return std::nullopt;
}

nlohmann::json TrialLog::read_result(const fs::path& dir) {
  auto r = parse_result(dir / "trial_result.json");
  if (auto* problem = std::get_if<std::string>(&r)) throw std::runtime_error(*problem);
  return std::get<nlohmann::json>(r);
}

}  // namespace trainperf
