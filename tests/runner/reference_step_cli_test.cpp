// Portable budgets end to end (docs/timing.md): the reference step measured before a trial, or given,
// sets the trial's budget and evaluation period and is recorded; it does not touch the trajectory.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "runner/reference_step.h"
#include "support/cli.h"
#include "workloads/registry.h"

using namespace trainperf;
using namespace trainperf::testing;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_refstep_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(std::ifstream(p)); }
fs::path trial_dir(const fs::path& exp) { return exp / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1"; }
std::string last_line(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}
}  // namespace

TEST(ReferenceStepCli, AGivenReferenceStepSetsTheBudgetAndIsRecorded) {
  const fs::path exp = fresh_dir("given");
  auto r = run_cli("run -w fmnist_mlp -s nadamw --ruleset self --max-steps 5 --threads 1 --reference-step-s 0.01 "
                   "--experiment-dir " + exp.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("reference step 10.00 ms (given)"), std::string::npos) << r.output;
  const WorkloadSpec spec = make_workload("fmnist_mlp")->spec();
  const auto result = read_json(trial_dir(exp) / "trial_result.json");
  EXPECT_DOUBLE_EQ(result.at("max_runtime").get<double>(), spec.budget_reference_steps * 0.01 * 1.5);
  EXPECT_DOUBLE_EQ(result.at("eval_period").get<double>(), spec.eval_period_reference_steps * 0.01);
  EXPECT_DOUBLE_EQ(result.at("reference_step_s").get<double>(), 0.01);
  const auto meta = read_json(trial_dir(exp) / "meta_data_0.json");
  EXPECT_EQ(meta.at("reference_step").at("given"), true);
  EXPECT_EQ(meta.at("budget_reference_steps"), spec.budget_reference_steps);
  EXPECT_EQ(read_json(exp / "nadamw" / "experiment.json").at("reference_step_override"), 0.01);
}

TEST(ReferenceStepCli, TheMeasurementIsRecordedAndLeavesTheTrajectoryAsItWas) {
  const fs::path measured = fresh_dir("measured"), given = fresh_dir("given_traj");
  const std::string common = "run -w fmnist_mlp -s nadamw --ruleset self --max-steps 25 --threads 1 ";
  auto a = run_cli(common + "--experiment-dir " + measured.string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = run_cli(common + "--reference-step-s 1 --experiment-dir " + given.string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const auto meta = read_json(trial_dir(measured) / "meta_data_0.json");
  const auto& ref = meta.at("reference_step");
  EXPECT_GT(ref.at("median_s").get<double>(), 0.0);
  EXPECT_GE(ref.at("samples_s").size(), 20u);
  EXPECT_GE(ref.at("steps_per_sample").get<int>(), 1);
  EXPECT_DOUBLE_EQ(read_json(trial_dir(measured) / "trial_result.json").at("reference_step_s").get<double>(),
                   ref.at("median_s").get<double>());
  // The final evaluation at step 25: the same numbers whether or not a reference step was timed first
  // (only the time columns differ), so the measurement consumes none of the trial's randomness.
  auto metrics_of = [](const std::string& row) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t end; (end = row.find(',', start)) != std::string::npos; start = end + 1)
      cells.push_back(row.substr(start, end - start));
    cells.push_back(row.substr(start));
    return std::vector<std::string>(cells.begin() + 7, cells.end());  // after the AlgoPerf time columns
  };
  const std::string ra = last_line(trial_dir(measured) / "eval_measurements.csv");
  const std::string rb = last_line(trial_dir(given) / "eval_measurements.csv");
  EXPECT_EQ(ra.substr(0, ra.find(',')), "25");
  EXPECT_EQ(metrics_of(ra), metrics_of(rb));
}

TEST(ReferenceStepCli, ReferenceStepCommandPrintsEachWorkloadsBudgetHere) {
  auto r = run_cli("reference-step --workloads fmnist_mlp,fmnist_mlp_tanh --repeats 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fmnist_mlp "), std::string::npos);
  EXPECT_NE(r.output.find("fmnist_mlp_tanh "), std::string::npos);
  EXPECT_NE(r.output.find(std::to_string(make_workload("fmnist_mlp")->spec().budget_reference_steps)),
            std::string::npos);
}
