// Target tables: the shipped AlgoPerf ones, our registry's, and user files with mistakes in them.
#include <gtest/gtest.h>

#include "scoring/diagnostics.h"
#include "scoring/log_fixtures.h"
#include "scoring/targets.h"
#include "workloads/registry.h"

using namespace trainperf;
using namespace trainperf::scoring;
using trainperf::testing::contains;

namespace {
std::string targets_error_of(const std::string& json, const std::string& where = "my_targets.json") {
  try {
    parse_targets(json, where);
  } catch (const ScoringError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(ScoringTargets, AlgoPerfV05HasEightBasesAndTheSixSampledVariants) {
  const auto t = load_targets("v0.5");
  EXPECT_EQ(t.name, "AlgoPerf v0.5");
  EXPECT_EQ(t.base_names(), (std::vector<std::string>{"criteo1tb", "fastmri", "imagenet_resnet", "imagenet_vit",
                                                      "librispeech_conformer", "librispeech_deepspeech", "ogbg",
                                                      "wmt"}));
  EXPECT_EQ(t.workloads.size(), 14u);
  EXPECT_EQ(t.studies, 5);
  EXPECT_EQ(t.trials_per_study, 5);
  EXPECT_EQ(t.self_tuning_budget_factor, 3.0);
  EXPECT_TRUE(t.variants_of("imagenet_vit").empty());
  EXPECT_TRUE(t.variants_of("librispeech_deepspeech").empty());
  EXPECT_EQ(t.variants_of("wmt"), (std::vector<std::string>{"wmt_glu_tanh"}));
  const auto* criteo_v = t.find("criteo1tb_embed_init");
  ASSERT_NE(criteo_v, nullptr);
  EXPECT_EQ(criteo_v->base, "criteo1tb");
  EXPECT_EQ(criteo_v->metric, "validation/loss");
  EXPECT_EQ(criteo_v->goal, Goal::Minimize);
  EXPECT_EQ(criteo_v->target, 0.129657);
  const auto* ogbg = t.find("ogbg");
  EXPECT_EQ(ogbg->metric, "validation/mean_average_precision");
  EXPECT_EQ(ogbg->goal, Goal::Maximize);
  EXPECT_EQ(ogbg->target, 0.28098);
  EXPECT_EQ(t.find("imagenet_resnet")->target, 0.77431);
  EXPECT_EQ(t.find("fastmri")->max_runtime, 8859);
  EXPECT_EQ(t.find("librispeech_conformer_layernorm")->metric, "validation/wer");
  EXPECT_EQ(t.find("wmt_glu_tanh")->target, 29.5779);
}

TEST(ScoringTargets, AlgoPerfV06HasNoVariantsAndItsOwnBudgets) {
  const auto t = load_targets("v0.6");
  EXPECT_EQ(t.workloads.size(), 8u);
  EXPECT_EQ(t.studies, 3);
  EXPECT_EQ(t.self_tuning_budget_factor, 1.5);
  EXPECT_EQ(t.find("fastmri")->max_runtime, 4430);
  EXPECT_EQ(t.find("imagenet_resnet")->max_runtime, 66159);
  EXPECT_EQ(t.find("wmt")->target, 30.8491);
}

TEST(ScoringTargets, OursComeFromTheWorkloadDefinitions) {
  const auto t = load_targets("ours");
  ASSERT_FALSE(t.workloads.empty());
  for (const auto& entry : workloads().entries()) {
    const auto spec = entry.make()->spec();
    const auto* w = t.find(entry.name);
    ASSERT_NE(w, nullptr) << entry.name;
    EXPECT_EQ(w->metric, "validation/" + spec.target_metric);
    EXPECT_EQ(w->goal, spec.goal);
    EXPECT_EQ(w->target, spec.validation_target);
    EXPECT_EQ(w->max_runtime, spec.max_runtime_s);
    EXPECT_EQ(w->base, spec.base_workload);
  }
}

TEST(ScoringTargets, UnknownMetricNamesTheFileAndTheKey) {
  const auto e = targets_error_of(R"({"workloads": {"ogbg": {"metric": "validation/mAP", "target": 0.28}}})");
  EXPECT_TRUE(contains(e, "my_targets.json: workloads.ogbg.metric: unknown metric 'validation/mAP'; known metrics: "))
      << e;
  EXPECT_TRUE(contains(e, "mean_average_precision")) << e;
}

TEST(ScoringTargets, MistakesAreNamedWithTheirKey) {
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"w": {"metric": "accuracy", "traget": 0.5}}})"),
                       "my_targets.json: workloads.w.traget: unknown key; known keys: "));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"w": {"metric": "accuracy"}}})"),
                       "my_targets.json: workloads.w.target: missing"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"w": {"metric": "accuracy", "target": "high"}}})"),
                       "my_targets.json: workloads.w.target: must be a number"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"w": {"metric": "loss", "goal": "maximize", "target": 1}}})"),
                       "my_targets.json: workloads.w.goal: 'maximize' contradicts the metric 'loss'"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"v": {"metric": "loss", "target": 1, "base": "b"}}})"),
                       "my_targets.json: workloads.v.base: 'b' is not a workload of this table"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": {"w": {"metric": "test/loss", "target": 1}}})"),
                       "workloads.w.metric: 'test/loss': targets are on validation metrics"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workload": {}})"), "my_targets.json: workload: unknown key"));
  EXPECT_TRUE(contains(targets_error_of(R"({"workloads": )"), "my_targets.json: not valid JSON"));
  EXPECT_THROW(load_targets("/nonexistent/targets.json"), ScoringError);
}

TEST(ScoringTargets, BareMetricNamesGetTheValidationPrefix) {
  const auto t = parse_targets(R"({"name": "mine", "workloads": {"w": {"metric": "wer", "target": 0.1}}})", "x.json");
  EXPECT_EQ(t.name, "mine");
  EXPECT_EQ(t.workloads[0].metric, "validation/wer");
  EXPECT_EQ(t.workloads[0].goal, Goal::Minimize);
  EXPECT_TRUE(t.workloads[0].meets(0.1));   // <=
  EXPECT_FALSE(t.workloads[0].meets(0.11));
}

// TRAINPERF_DATA_DIR relocates the prepared-dataset cache; it must not hide the shipped tables
// (it did once: both used the same variable). TRAINPERF_TARGETS_DIR points at another copy.
TEST(ScoringTargets, DatasetCacheVariableDoesNotMoveTheShippedTables) {
  const char* old = std::getenv("TRAINPERF_DATA_DIR");
  const std::string saved = old ? old : "";
  ::setenv("TRAINPERF_DATA_DIR", "/tmp/trainperf-no-such-cache", 1);
  EXPECT_EQ(load_targets("v0.5").workloads.size(), 14u);
  ::setenv("TRAINPERF_TARGETS_DIR", "/tmp/trainperf-no-such-targets", 1);
  try {
    load_targets("v0.6");
    ADD_FAILURE() << "expected an error naming the missing table";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/trainperf-no-such-targets/algoperf_v0.6.json"), std::string::npos)
        << e.what();
  }
  ::unsetenv("TRAINPERF_TARGETS_DIR");
  if (old) ::setenv("TRAINPERF_DATA_DIR", saved.c_str(), 1); else ::unsetenv("TRAINPERF_DATA_DIR");
}

// The shipped tables are compiled in: scoring against them needs no source tree (an installed
// trainperf, or a binary copied elsewhere), and the copy is the file in data/targets/.
TEST(ScoringTargets, ShippedTablesAreBuiltIn) {
  for (const char* version : {"v0.5", "v0.6"}) {
    const TargetTable built_in = load_targets(version);
    EXPECT_NE(built_in.source.find("(built in)"), std::string::npos) << built_in.source;
    ::setenv("TRAINPERF_TARGETS_DIR", (std::string(TRAINPERF_TESTS_DIR) + "/../data/targets").c_str(), 1);
    const TargetTable from_tree = load_targets(version);
    ::unsetenv("TRAINPERF_TARGETS_DIR");
    ASSERT_EQ(built_in.workloads.size(), from_tree.workloads.size()) << version;
    for (size_t i = 0; i < built_in.workloads.size(); ++i) {
      EXPECT_EQ(built_in.workloads[i].name, from_tree.workloads[i].name);
      EXPECT_EQ(built_in.workloads[i].target, from_tree.workloads[i].target);
      EXPECT_EQ(built_in.workloads[i].max_runtime, from_tree.workloads[i].max_runtime);
    }
  }
}
