// Every workload's target, budget and step hint come from a committed target-setting summary
// (docs/workloads/targets/<workload>.json, written by scripts/set_targets.py) where one exists, and
// every budget lies between 1 and 5 minutes of submission time (the CPU-scale suite's promise).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "workloads/registry.h"

using namespace trainperf;

TEST(WorkloadTargets, SpecsMatchTheCommittedTargetSettingSummaries) {
  const std::filesystem::path dir = std::filesystem::path(TRAINPERF_TESTS_DIR) / ".." / "docs" / "workloads" / "targets";
  int checked = 0;
  for (const auto& entry : workloads().entries()) {
    const WorkloadSpec spec = entry.make()->spec();
    EXPECT_GE(spec.max_runtime_s, 60) << entry.name;
    EXPECT_LE(spec.max_runtime_s, 300) << entry.name;
    const auto file = dir / (entry.name + ".json");
    if (!std::filesystem::exists(file)) continue;
    const auto summary = nlohmann::json::parse(std::ifstream(file));
    EXPECT_EQ(summary.at("workload"), entry.name) << file;
    EXPECT_EQ(summary.at("metric"), spec.target_metric) << file;
    EXPECT_NEAR(spec.validation_target, summary.at("validation_target").get<double>(), 5e-5) << entry.name;
    EXPECT_NEAR(spec.test_target, summary.at("test_target").get<double>(), 5e-5) << entry.name;
    if (spec.base_workload.empty()) {  // held-out variants keep their base workload's budget and step hint
      EXPECT_EQ(spec.step_hint, summary.at("step_hint").get<int64_t>()) << entry.name;
      // 4/3 of the target-setting time, kept within the 1-5 minutes a CPU-scale workload may take
      EXPECT_NEAR(spec.max_runtime_s, std::clamp(summary.at("max_runtime_s").get<double>(), 60.0, 300.0), 0.5)
          << entry.name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 3);  // fmnist_resnet, fmnist_vit, austen_lm at least
}
