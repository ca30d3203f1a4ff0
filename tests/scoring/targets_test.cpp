// Target tables: the shipped AlgoPerf ones, our registry's, and user files with mistakes in them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "scoring/diagnostics.h"
#include "scoring/log_fixtures.h"
#include "scoring/scoring.h"
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

// AlgoPerf's own scoring/workload_targets.json, as mlcommons/submissions_algorithms ships it
// (tests/golden/algoperf_targets/README.md names the commit).
namespace {
std::string algoperf_fixture(const std::string& file) {
  return std::string(TRAINPERF_TESTS_DIR) + "/golden/algoperf_targets/" + file;
}
std::string algoperf_v06_text() {
  std::ifstream in(algoperf_fixture("workload_targets.json"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(ScoringTargets, AlgoPerfOwnTargetsFileParses) {
  const auto t = load_targets(algoperf_fixture("workload_targets.json"));
  EXPECT_EQ(t.name, "AlgoPerf v0.6 (workload_targets.json)");
  // Only the scored workloads: base_workloads in their order, no held-out ones in v0.6; cifar,
  // mnist and the unsampled variants in `workloads` are not scored.
  EXPECT_EQ(t.base_names(), (std::vector<std::string>{"criteo1tb", "fastmri", "imagenet_resnet", "imagenet_vit",
                                                      "librispeech_conformer", "librispeech_deepspeech",
                                                      "finewebedu_lm", "ogbg", "wmt"}));
  EXPECT_EQ(t.workloads.size(), 9u);
  EXPECT_EQ(t.find("mnist"), nullptr);
  EXPECT_EQ(t.find("wmt_glu_tanh"), nullptr);
  const auto* lm = t.find("finewebedu_lm");
  ASSERT_NE(lm, nullptr);
  EXPECT_EQ(lm->metric, "validation/ppl");
  EXPECT_EQ(lm->goal, Goal::Minimize);
  EXPECT_EQ(lm->target, 22.2995);
  EXPECT_EQ(lm->step_hint, 72000);
  EXPECT_TRUE(lm->meets(22.2995));
  EXPECT_FALSE(lm->meets(22.3));
  EXPECT_EQ(lm->max_runtime, 0);  // the file has no budgets
  EXPECT_EQ(t.find("ogbg")->goal, Goal::Maximize);
  EXPECT_EQ(t.find("ogbg")->metric, "validation/mean_average_precision");
  EXPECT_EQ(t.find("criteo1tb")->goal, Goal::Minimize);
  EXPECT_EQ(t.find("librispeech_conformer")->metric, "validation/wer");
  EXPECT_EQ(t.find("fastmri")->goal, Goal::Maximize);
  EXPECT_EQ(t.find("wmt")->goal, Goal::Maximize);
  // The same targets and step hints as trainperf's own v0.6 table for the eight shared workloads.
  const auto ours = load_targets("v0.6");
  for (const auto& w : ours.workloads) {
    const auto* a = t.find(w.name);
    ASSERT_NE(a, nullptr) << w.name;
    EXPECT_EQ(a->metric, w.metric) << w.name;
    EXPECT_EQ(a->goal, w.goal) << w.name;
    EXPECT_EQ(a->target, w.target) << w.name;
    EXPECT_EQ(a->step_hint, w.step_hint) << w.name;
  }
}

// The v0.5 file lists six held-out variants; each one's base comes from AlgoPerf's naming rule, and
// the result agrees with trainperf's shipped v0.5 table.
TEST(ScoringTargets, AlgoPerfOwnV05FileGivesTheHeldOutVariantsTheirBases) {
  const auto t = load_targets(algoperf_fixture("workload_targets_v05.json"));
  const auto ours = load_targets("v0.5");
  EXPECT_EQ(t.base_names(), ours.base_names());
  ASSERT_EQ(t.workloads.size(), ours.workloads.size());
  for (const auto& w : ours.workloads) {
    const auto* a = t.find(w.name);
    ASSERT_NE(a, nullptr) << w.name;
    EXPECT_EQ(a->base, w.base) << w.name;
    EXPECT_EQ(a->metric, w.metric) << w.name;
    EXPECT_EQ(a->target, w.target) << w.name;
  }
  EXPECT_EQ(t.find("imagenet_resnet_large_bn_init")->base, "imagenet_resnet");
  EXPECT_EQ(t.find("criteo1tb_embed_init")->base, "criteo1tb");
}

TEST(ScoringTargets, AlgoPerfFormatMistakesNameTheFileAndTheKey) {
  auto without = [](const std::string& text, const std::string& cut) {
    const auto at = text.find(cut);
    EXPECT_NE(at, std::string::npos) << cut;
    return text.substr(0, at) + text.substr(at + cut.size());
  };
  const std::string v06 = algoperf_v06_text();
  // finewebedu_lm without its validation_target_value.
  const std::string lm_target = "\"validation_target_value\": 22.2995,";
  EXPECT_TRUE(contains(targets_error_of(without(v06, lm_target), "workload_targets.json"),
                       "workload_targets.json: workloads.finewebedu_lm.validation_target_value: missing"))
      << targets_error_of(without(v06, lm_target), "workload_targets.json");
  // An unknown top-level key (an unknown structure) is refused, not ignored.
  const std::string odd = R"({"benchmark_version": "0.6", "base_workloads": ["wmt"], "held_out_workloads": [],
      "targets": {"wmt": {"target_metric_name": "bleu", "validation_target_value": 30.8, "step_hint": 1}}})";
  EXPECT_TRUE(contains(targets_error_of(odd), "my_targets.json: targets: unknown key; known keys: "))
      << targets_error_of(odd);
  const std::string no_workloads = R"({"benchmark_version": "0.6", "base_workloads": ["wmt"], "held_out_workloads": []})";
  EXPECT_TRUE(contains(targets_error_of(no_workloads), "my_targets.json: workloads: missing")) << targets_error_of(no_workloads);
  const std::string unlisted = R"({"benchmark_version": "0.6", "base_workloads": ["wmt", "lm"], "held_out_workloads": [],
      "workloads": {"wmt": {"target_metric_name": "bleu", "validation_target_value": 30.8, "step_hint": 1}}})";
  EXPECT_TRUE(contains(targets_error_of(unlisted), "my_targets.json: base_workloads: 'lm' has no entry in workloads"))
      << targets_error_of(unlisted);
  const std::string bad_metric = R"({"benchmark_version": "0.6", "base_workloads": ["wmt"], "held_out_workloads": [],
      "workloads": {"wmt": {"target_metric_name": "perplexity", "validation_target_value": 30.8, "step_hint": 1}}})";
  EXPECT_TRUE(contains(targets_error_of(bad_metric),
                       "my_targets.json: workloads.wmt.target_metric_name: unknown metric 'perplexity'"))
      << targets_error_of(bad_metric);
  const std::string orphan = R"({"benchmark_version": "0.5", "base_workloads": ["wmt"], "held_out_workloads": ["ogbg_gelu"],
      "workloads": {"wmt": {"target_metric_name": "bleu", "validation_target_value": 30.8, "step_hint": 1},
                    "ogbg_gelu": {"target_metric_name": "mean_average_precision", "validation_target_value": 0.27, "step_hint": 1}}})";
  EXPECT_TRUE(contains(targets_error_of(orphan), "my_targets.json: held_out_workloads: 'ogbg_gelu': no base workload"))
      << targets_error_of(orphan);
  const std::string no_lists = R"({"benchmark_version": "0.6",
      "workloads": {"wmt": {"target_metric_name": "bleu", "validation_target_value": 30.8, "step_hint": 1}}})";
  EXPECT_TRUE(contains(targets_error_of(no_lists), "my_targets.json: base_workloads: missing")) << targets_error_of(no_lists);
}

// A tiny tree scored with AlgoPerf's file: finewebedu_lm's perplexity falls to the target 22.2995 at
// eval 3 (400 s, the `score` column) for lm_fast and never reaches it for lm_slow; perplexity is
// minimised, so a value equal to the target counts (<=). The file has no budgets: the speedup
// budget is the largest logged time.
TEST(ScoringTargets, AlgoPerfOwnTargetsFileScoresATree) {
  const auto root = trainperf::testing::fresh_scoring_dir("algoperf_targets_file");
  using trainperf::testing::curve;
  using trainperf::testing::write_trial;
  const double target = 22.2995;
  write_trial(root, "lm_fast", 0, "finewebedu_lm_jax", 1, "validation/ppl", curve(60.0, target, 3, 6, 100));
  write_trial(root, "lm_slow", 0, "finewebedu_lm_pytorch", 1, "validation/ppl", curve(60.0, target, -1, 8, 100));
  ScoreOptions options;
  options.targets = algoperf_fixture("workload_targets.json");
  options.ruleset = Ruleset::Self;
  const auto r = score_log_trees({root}, options, nullptr);
  ASSERT_EQ(r.submissions.size(), 2u);
  const int lm = r.raw.workload_index("finewebedu_lm");
  ASSERT_GE(lm, 0);
  const int fast = r.submission_index("lm_fast"), slow = r.submission_index("lm_slow");
  EXPECT_EQ(r.raw.t[fast][lm], 400);
  EXPECT_TRUE(std::isinf(r.raw.t[slow][lm]));
  EXPECT_EQ(r.budgets[lm], 800);  // lm_slow's last eval: no max_runtime in the file
  // The other eight base workloads have no logs: never reached.
  EXPECT_FALSE(std::isfinite(r.raw.t[fast][r.raw.workload_index("wmt")]));
  EXPECT_GT(r.scores[fast], r.scores[slow]);
  std::filesystem::remove_all(root);
}

// AlgoPerf's targets file has no budgets: the speedup analysis takes the budget AlgoPerf's runner
// logged (meta_data_0.json's workload.max_allowed_runtime_sec, times the self-tuning factor), and
// --budget overrides it.
TEST(ScoringTargets, AlgoPerfFileBudgetsComeFromTheLogsMetadataOrTheFlag) {
  const auto root = trainperf::testing::fresh_scoring_dir("algoperf_targets_budget");
  using trainperf::testing::curve;
  using trainperf::testing::write_trial;
  const double target = 22.2995;
  auto with_budget = [](const std::filesystem::path& dir, double seconds) {
    std::ofstream(dir / "meta_data_0.json") << nlohmann::json{{"workload.max_allowed_runtime_sec", seconds}}.dump();
  };
  const auto base_dir =
      write_trial(root, "base", 0, "finewebedu_lm_jax", 1, "validation/ppl", curve(60.0, target, 3, 6, 100));
  const auto never_dir =
      write_trial(root, "never", 0, "finewebedu_lm_jax", 1, "validation/ppl", curve(60.0, target, -1, 8, 100));
  with_budget(base_dir, 1000);
  with_budget(never_dir, 1000);
  ScoreOptions options;
  options.targets = algoperf_fixture("workload_targets.json");
  options.ruleset = Ruleset::Self;
  options.baseline = "base";
  const auto r = score_log_trees({root}, options, nullptr);
  const int lm = r.raw.workload_index("finewebedu_lm");
  ASSERT_GE(lm, 0);
  EXPECT_EQ(r.budgets[lm], 1000 * r.targets.self_tuning_budget_factor);
  EXPECT_EQ(r.budget_sources[lm], "logs' metadata");
  ASSERT_EQ(r.speedups.size(), 1u);
  const auto bases = r.targets.base_names();
  const auto at = std::find(bases.begin(), bases.end(), "finewebedu_lm") - bases.begin();
  const auto& sp = r.speedups[0].workloads[static_cast<size_t>(at)];
  EXPECT_EQ(sp.baseline_time, 400);
  EXPECT_EQ(sp.submission_time, 1000 * r.targets.self_tuning_budget_factor + 1);  // never reached: budget + 1

  options.budgets = {{"finewebedu_lm", 3000}};
  const auto flagged = score_log_trees({root}, options, nullptr);
  EXPECT_EQ(flagged.budgets[lm], 3000 * flagged.targets.self_tuning_budget_factor);
  EXPECT_EQ(flagged.budget_sources[lm], "--budget");

  options.budgets = {{"finewebedu", 3000}};
  try {
    score_log_trees({root}, options, nullptr);
    FAIL() << "a --budget for an unknown workload was accepted";
  } catch (const ScoringError& e) {
    EXPECT_TRUE(contains(e.what(), "no workload 'finewebedu'")) << e.what();
  }

  // Without metadata the budget stand-in is the largest logged time, as before.
  options.budgets.clear();
  std::filesystem::remove(base_dir / "meta_data_0.json");
  std::filesystem::remove(never_dir / "meta_data_0.json");
  const auto bare = score_log_trees({root}, options, nullptr);
  EXPECT_EQ(bare.budget_sources[lm], "largest logged");
  EXPECT_EQ(bare.budgets[lm], 800);
  std::filesystem::remove_all(root);
}
