#include "scoring/targets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "scoring/diagnostics.h"
#include "trainperf_build_info.h"
#include "workloads/registry.h"

namespace trainperf::scoring {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

const WorkloadTarget* TargetTable::find(const std::string& name) const {
  for (const auto& w : workloads)
    if (w.name == name) return &w;
  return nullptr;
}

std::vector<std::string> TargetTable::base_names() const {
  std::vector<std::string> names;
  for (const auto& w : workloads)
    if (!w.is_variant()) names.push_back(w.name);
  return names;
}

std::vector<std::string> TargetTable::variants_of(const std::string& base) const {
  std::vector<std::string> names;
  for (const auto& w : workloads)
    if (w.base == base) names.push_back(w.name);
  return names;
}

namespace {
// AlgoPerf's metric directions (scoring/performance_profile.py), by eval column suffix.
const std::map<std::string, Goal>& algoperf_metrics() {
  static const std::map<std::string, Goal> m = {
      {"ce_loss", Goal::Minimize}, {"error_rate", Goal::Minimize}, {"ctc_loss", Goal::Minimize},
      {"wer", Goal::Minimize},     {"l1_loss", Goal::Minimize},    {"loss", Goal::Minimize},
      {"mean_average_precision", Goal::Maximize}, {"ssim", Goal::Maximize},
      {"accuracy", Goal::Maximize}, {"bleu", Goal::Maximize}};
  return m;
}

std::map<std::string, Goal> all_known_metrics() {
  auto m = algoperf_metrics();
  for (const auto& entry : workloads().entries()) {
    const auto spec = entry.make()->spec();
    m.emplace(spec.target_metric, spec.goal);
  }
  return m;
}

std::string strip_split(const std::string& metric) {
  const std::string prefix = "validation/";
  return metric.rfind(prefix, 0) == 0 ? metric.substr(prefix.size()) : metric;
}

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& problem) {
  throw ScoringError(where + ": " + key + ": " + problem);
}

double number_at(const ordered_json& j, const std::string& name, const std::string& where, const std::string& key) {
  if (!j.is_number()) fail(where, key + "." + name, "must be a number, got " + j.dump());
  return j.get<double>();
}

void check_keys(const ordered_json& obj, const std::set<std::string>& allowed, const std::string& where,
                const std::string& key) {
  for (const auto& [k, v] : obj.items()) {
    if (allowed.count(k)) continue;
    std::string known;
    for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
    fail(where, key.empty() ? k : key + "." + k, "unknown key; known keys: " + known);
  }
}
}  // namespace

std::optional<Goal> known_metric_goal(const std::string& metric) {
  const auto known = all_known_metrics();
  auto it = known.find(strip_split(metric));
  if (it == known.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> known_metrics() {
  std::vector<std::string> names;
  for (const auto& [name, goal] : all_known_metrics()) names.push_back(name);
  return names;
}

TargetTable parse_targets(const std::string& json_text, const std::string& where) {
  ordered_json j;
  try {
    j = ordered_json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ScoringError(where + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw ScoringError(where + ": a targets file is a JSON object with a \"workloads\" object");
  check_keys(j, {"name", "description", "source", "studies", "trials_per_study", "self_tuning_budget_factor",
                 "workloads"},
             where, "");
  TargetTable table;
  table.source = where;
  table.name = j.value("name", fs::path(where).stem().string());
  if (j.contains("studies")) table.studies = static_cast<int>(number_at(j["studies"], "studies", where, "(top)"));
  if (j.contains("trials_per_study"))
    table.trials_per_study = static_cast<int>(number_at(j["trials_per_study"], "trials_per_study", where, "(top)"));
  if (j.contains("self_tuning_budget_factor"))
    table.self_tuning_budget_factor =
        number_at(j["self_tuning_budget_factor"], "self_tuning_budget_factor", where, "(top)");
  if (!j.contains("workloads") || !j["workloads"].is_object() || j["workloads"].empty())
    fail(where, "workloads", "missing or empty (an object: workload name -> {metric, target, ...})");

  const auto known = all_known_metrics();
  for (const auto& [name, entry] : j["workloads"].items()) {
    const std::string key = "workloads." + name;
    if (!entry.is_object()) fail(where, key, "must be an object");
    check_keys(entry, {"metric", "goal", "target", "test_target", "max_runtime", "step_hint", "base"}, where, key);
    WorkloadTarget w;
    w.name = name;
    if (!entry.contains("metric") || !entry["metric"].is_string()) fail(where, key + ".metric", "missing (a string)");
    const std::string metric = entry["metric"].get<std::string>();
    const std::string bare = strip_split(metric);
    if (metric.find('/') != std::string::npos && metric.rfind("validation/", 0) != 0)
      fail(where, key + ".metric", "'" + metric + "': targets are on validation metrics (validation/<name>)");
    auto it = known.find(bare);
    if (it == known.end()) {
      std::string names;
      for (const auto& [m, g] : known) names += (names.empty() ? "" : ", ") + m;
      fail(where, key + ".metric", "unknown metric '" + metric + "'; known metrics: " + names);
    }
    w.metric = "validation/" + bare;
    w.goal = it->second;
    if (entry.contains("goal")) {
      const std::string goal = entry["goal"].is_string() ? entry["goal"].get<std::string>() : "";
      if (goal != "minimize" && goal != "maximize")
        fail(where, key + ".goal", "must be \"minimize\" or \"maximize\", got " + entry["goal"].dump());
      if ((goal == "minimize") != (w.goal == Goal::Minimize))
        fail(where, key + ".goal", "'" + goal + "' contradicts the metric '" + bare + "', which is " +
                                       (w.goal == Goal::Minimize ? "minimized" : "maximized"));
    }
    if (!entry.contains("target")) fail(where, key + ".target", "missing (the validation target)");
    w.target = number_at(entry["target"], "target", where, key);
    if (entry.contains("test_target")) w.test_target = number_at(entry["test_target"], "test_target", where, key);
    if (entry.contains("max_runtime")) w.max_runtime = number_at(entry["max_runtime"], "max_runtime", where, key);
    if (entry.contains("step_hint"))
      w.step_hint = static_cast<int64_t>(number_at(entry["step_hint"], "step_hint", where, key));
    if (entry.contains("base")) {
      if (!entry["base"].is_string()) fail(where, key + ".base", "must be a workload name");
      w.base = entry["base"].get<std::string>();
    }
    table.workloads.push_back(std::move(w));
  }
  for (const auto& w : table.workloads) {
    if (!w.is_variant()) continue;
    const auto* base = table.find(w.base);
    if (!base) fail(where, "workloads." + w.name + ".base", "'" + w.base + "' is not a workload of this table");
    if (base->is_variant())
      fail(where, "workloads." + w.name + ".base", "'" + w.base + "' is itself a variant");
  }
  return table;
}

fs::path shipped_targets_dir() {
  // Not TRAINPERF_DATA_DIR: that relocates the prepared-dataset cache (src/data/dataset_cache.h).
  if (const char* dir = std::getenv("TRAINPERF_TARGETS_DIR"); dir && *dir) return fs::path(dir);
  return fs::path(TRAINPERF_SOURCE_DIR) / "data" / "targets";
}

TargetTable registry_targets() {
  TargetTable table;
  table.name = "trainperf workloads";
  table.source = "workload registry";
  for (const auto& entry : workloads().entries()) {
    const auto spec = entry.make()->spec();
    WorkloadTarget w;
    w.name = entry.name;
    w.metric = "validation/" + spec.target_metric;
    w.goal = spec.goal;
    w.target = spec.validation_target;
    w.test_target = spec.test_target;
    w.max_runtime = spec.max_runtime_s;
    w.step_hint = spec.step_hint;
    w.base = spec.base_workload;
    table.workloads.push_back(std::move(w));
  }
  return table;
}

TargetTable load_targets(const std::string& which) {
  if (which == "ours") return registry_targets();
  fs::path path = which;
  if (which == "v0.5" || which == "v0.6") path = shipped_targets_dir() / ("algoperf_" + which + ".json");
  std::ifstream in(path);
  if (!in) {
    if (which == "v0.5" || which == "v0.6")
      throw ScoringError("cannot read the shipped target table '" + path.string() +
                         "' (set TRAINPERF_TARGETS_DIR to the folder holding the tables)");
    throw ScoringError("cannot read targets file '" + path.string() +
                       "' (--targets takes v0.5, v0.6, ours or a JSON file)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_targets(text.str(), path.string());
}

}  // namespace trainperf::scoring
