// Every workload's targets, budget and step hint are data: they come from the target-setting summary
// its folder ships (src/workloads/<folder>/targets/<workload>.json, written by scripts/set_targets.py
// and scripts/portable_budgets.py, and compiled in), every budget is in reference steps, and a
// held-out variant keeps its base's budget, evaluation period and step hint.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "workloads/common/targets.h"
#include "workloads/registry.h"

using namespace trainperf;

TEST(WorkloadTargets, SpecsAreTheirFoldersTargetSettingSummaries) {
  for (const auto& entry : workloads().entries()) {
    const WorkloadSpec spec = entry.make()->spec();
    const nlohmann::json& summary = target_setting_summary(entry.name);
    EXPECT_EQ(summary.at("workload"), entry.name);
    EXPECT_EQ(summary.at("metric"), spec.target_metric) << entry.name;
    EXPECT_EQ(spec.validation_target, summary.at("validation_target").get<double>()) << entry.name;
    EXPECT_EQ(spec.test_target, summary.at("test_target").get<double>()) << entry.name;
    // Portable budgets (docs/timing.md): every workload counts its budget and evaluation period in
    // reference steps, and has no seconds of its own.
    EXPECT_GT(spec.budget_reference_steps, 0) << entry.name;
    EXPECT_GT(spec.eval_period_reference_steps, 0) << entry.name;
    EXPECT_LE(spec.eval_period_reference_steps, spec.budget_reference_steps / 8.0) << entry.name;  // >= 8 evals
    EXPECT_EQ(spec.max_runtime_s, 0) << entry.name;
    EXPECT_EQ(spec.eval_period_s, 0) << entry.name;
    if (spec.base_workload.empty()) {
      EXPECT_EQ(spec.step_hint, summary.at("step_hint").get<int64_t>()) << entry.name;
      EXPECT_EQ(spec.budget_reference_steps, summary.at("budget_reference_steps").get<int64_t>()) << entry.name;
      // AlgoPerf's rule: 4/3 of the target-setting runs' time, in reference steps: of the reruns'
      // median (scripts/set_targets.py), or, for a summary converted from seconds, of step_hint steps of
      // its best configuration (scripts/portable_budgets.py).
      if (summary.contains("budget_reference_steps_from")) {
        const auto& from = summary.at("budget_reference_steps_from");
        EXPECT_NEAR(spec.budget_reference_steps,
                    4.0 / 3.0 * spec.step_hint * from.at("step_s").get<double>() /
                        from.at("reference_step_s").get<double>(),
                    0.5) << entry.name;
      } else {
        std::vector<double> runs;
        for (const auto& r : summary.at("reruns")) runs.push_back(r.at("runtime_reference_steps").get<double>());
        ASSERT_GE(runs.size(), 5u) << entry.name;
        std::sort(runs.begin(), runs.end());
        const size_t n = runs.size();
        const double median = n % 2 ? runs[n / 2] : 0.5 * (runs[n / 2 - 1] + runs[n / 2]);
        EXPECT_NEAR(spec.budget_reference_steps, 4.0 / 3.0 * median, 0.5) << entry.name;
      }
    } else {
      const WorkloadSpec base = make_workload(spec.base_workload)->spec();
      EXPECT_EQ(spec.budget_reference_steps, base.budget_reference_steps) << entry.name;
      EXPECT_EQ(spec.eval_period_reference_steps, base.eval_period_reference_steps) << entry.name;
      EXPECT_EQ(spec.step_hint, base.step_hint) << entry.name;
      EXPECT_EQ(spec.name, spec.base_workload + spec.name.substr(spec.base_workload.size())) << entry.name;
    }
  }
}

// The summaries in the tree are the ones compiled in (the build embeds src/workloads/*/targets/).
TEST(WorkloadTargets, CompiledInSummariesAreTheFilesInTheTree) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const auto& folder : fs::directory_iterator(fs::path(TRAINPERF_TESTS_DIR) / ".." / "src" / "workloads")) {
    if (!fs::is_directory(folder.path() / "targets")) continue;
    for (const auto& f : fs::directory_iterator(folder.path() / "targets")) {
      const auto on_disk = nlohmann::json::parse(std::ifstream(f.path()));
      EXPECT_EQ(target_setting_summary(f.path().stem().string()), on_disk) << f.path();
      ++files;
    }
  }
  EXPECT_EQ(files, static_cast<int>(workloads().entries().size()));  // one summary per workload
}

TEST(WorkloadTargets, AWorkloadWithoutASummaryIsAProgrammingError) {
  WorkloadSpec s;
  s.name = "no_such_workload";
  EXPECT_THROW(with_targets(s), std::logic_error);
  WorkloadSpec wrong_metric = make_workload("fmnist_mlp")->spec();
  wrong_metric.target_metric = "loss";
  EXPECT_THROW(with_targets(wrong_metric), std::logic_error);
}

TEST(WorkloadTargets, AVariantIsADeltaOnItsBase) {
  const WorkloadSpec base = make_workload("fmnist_resnet")->spec();
  const WorkloadSpec v = held_out_variant(base, "large_bn_init", "described");
  EXPECT_EQ(v.name, "fmnist_resnet_large_bn_init");
  EXPECT_EQ(v.base_workload, "fmnist_resnet");
  EXPECT_EQ(v.description, "described");
  EXPECT_EQ(v.eval_period_reference_steps, base.eval_period_reference_steps);
  EXPECT_EQ(v.budget_reference_steps, base.budget_reference_steps);
  EXPECT_EQ(v.reference_batch_size, base.reference_batch_size);
  EXPECT_EQ(v.input_memory_format, base.input_memory_format);
  EXPECT_NE(v.validation_target, base.validation_target);
  EXPECT_EQ(v.validation_target, target_setting_summary("fmnist_resnet_large_bn_init").at("validation_target"));
}
