// `trainperf calibrate` (docs/calibration.md): the calibration spaces, the candidates sampled from them,
// the criterion on hand-built trial trees (expected numbers worked out in the comments), successive
// halving, leave-one-workload-out, --self-tuning-config, and one end-to-end run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "runner/experiment.h"
#include "scoring/log_tree.h"
#include "submissions/registry.h"
#include "support/cli.h"
#include "tuning/calibration.h"
#include "scoring/log_fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace trainperf;
using namespace trainperf::calibration;
using trainperf::testing::run_cli;

namespace {

const std::vector<std::string> kCalibrated = {"dog",       "ldog",  "dadapt_adam",         "prodigy",
                                              "mechanic",  "cocob", "schedule_free_adamw", "nadamw"};

bool value_in(const HValue& v, const SearchSpace& space, const std::string& key) {
  for (const auto& r : space.ranges())
    if (r.name == key) {
      const double x = std::get<double>(v);
      return x >= r.min && x <= r.max;
    }
  for (const auto& d : space.discrete())
    if (d.name == key)
      for (const auto& p : d.feasible_points)
        if (p == v) return true;
  return false;
}

}  // namespace

TEST(CalibrationSpace, EveryCalibratedSubmissionShipsOneHoldingItsLiteratureDefaults) {
  for (const auto& name : kCalibrated) {
    const SubmissionEntry& sub = submissions().find(name);
    const CalibrationSpace cs = calibration_space(sub, "");
    EXPECT_FALSE(cs.source.empty()) << name << ": the space says where its defaults come from";
    EXPECT_GE(cs.space.num_dims(), 3u) << name;
    const Hyperparameters defaults = sub.self_tuning_config();
    std::set<std::string> dims;
    for (const auto& r : cs.space.ranges()) dims.insert(r.name);
    for (const auto& d : cs.space.discrete()) dims.insert(d.name);
    for (const auto& key : dims) {
      ASSERT_NE(sub.schema().find(key), nullptr) << name << ": '" << key << "' is not a declared key";
      if (defaults.has(key))
        EXPECT_TRUE(value_in(defaults.values().at(key), cs.space, key)) << name << ": the default " << key << " is outside";
    }
    // Learning-rate-free methods keep their step-size multiplier; NAdamW is calibrated in full.
    EXPECT_EQ(dims.count("learning_rate"), name == "nadamw" ? 1u : 0u) << name;
    EXPECT_NO_THROW((void)sample_candidates(sub, cs.space, 16, 3)) << name;
  }
}

TEST(CalibrationSpace, NotesAreNotDimensionsAndASubmissionWithoutOneIsNamed) {
  const CalibrationSpace cs = parse_calibration_space(
      R"({"_source": "paper", "_comment": "x", "weight_decay": {"min": 1e-4, "max": 1e-2, "scaling": "log"}})", "f.json");
  EXPECT_EQ(cs.source, "paper");
  EXPECT_EQ(cs.space.num_dims(), 1u);
  EXPECT_THROW((void)parse_calibration_space(R"({"_source": 3, "a": {"min": 0, "max": 1}})", "f.json"),
               SearchSpaceError);
  try {
    (void)calibration_space(submissions().find("lamb"), "");
    FAIL() << "lamb ships no calibration space";
  } catch (const SearchSpaceError& e) {
    EXPECT_NE(std::string(e.what()).find("calibration_search_space.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--search-space"), std::string::npos) << e.what();
  }
}

TEST(CalibrationSampling, DeterministicFromTheSeedWithTheDefaultsFirst) {
  const SubmissionEntry& sub = submissions().find("prodigy");
  const SearchSpace space = calibration_space(sub, "").space;
  const auto a = sample_candidates(sub, space, 6, 11), b = sample_candidates(sub, space, 6, 11);
  const auto c = sample_candidates(sub, space, 6, 12);
  ASSERT_EQ(a.size(), 6u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_json(), b[i].to_json()) << i;
  EXPECT_EQ(a[0].to_json(), sub.self_tuning_config().to_json());
  EXPECT_EQ(c[0].to_json(), a[0].to_json());  // the defaults whatever the seed
  int differ = 0;
  for (size_t i = 1; i < a.size(); ++i) differ += a[i].to_json() != c[i].to_json();
  EXPECT_EQ(differ, 5) << "another seed draws other points";
  std::set<std::string> distinct;
  for (const auto& h : a) distinct.insert(h.to_json());
  EXPECT_EQ(distinct.size(), 6u);
  for (size_t i = 1; i < a.size(); ++i) {
    EXPECT_EQ(a[i].number("learning_rate"), 1.0) << "outside the space: the shipped value";
    EXPECT_EQ(a[i].to_json(), sub.resolve(a[i], "x").to_json()) << "resolved: every declared key set";
    for (const auto& r : space.ranges()) {
      EXPECT_GE(a[i].number(r.name), r.min);
      EXPECT_LE(a[i].number(r.name), r.max);
    }
  }
  // A prefix is stable: asking for more candidates does not move the first ones.
  const auto longer = sample_candidates(sub, space, 9, 11);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_json(), longer[i].to_json()) << i;
}

TEST(CalibrationCriterion, RatiosAndScoreByHand) {
  EXPECT_DOUBLE_EQ(capped_ratio(500, 1000), 0.5);
  EXPECT_DOUBLE_EQ(capped_ratio(9000, 1000), kTauMax);  // capped
  EXPECT_DOUBLE_EQ(capped_ratio(scoring::kInf, 1000), kTauMax);  // missed
  // Workload medians 0.6 and median(0.5, 4, 0.6) = 0.6: geometric mean 0.6.
  EXPECT_NEAR(criterion_score({{0.5, 0.6, 1.0}, {0.5, 4.0, 0.6}}), 0.6, 1e-12);
  // Two studies: numpy's median of (0.5, 4) is 2.25; score sqrt(2.25 * 1) = 1.5.
  EXPECT_NEAR(criterion_score({{0.5, 4.0}, {1.0, 1.0}}), 1.5, 1e-12);
  // A resample that draws study 0 twice and study 2 once: medians 0.5 and 0.5.
  EXPECT_NEAR(criterion_score({{0.5, 0.6, 1.0}, {0.5, 4.0, 0.6}}, {0, 0, 2}), 0.5, 1e-12);
}

namespace {

// A trainperf trial that reaches the validation target (accuracy 0.5) after `seconds` of submission
// time (+inf: never), with a reference step of 10 ms: seconds * 100 reference steps.
void fake_trial(const fs::path& root, int study, const std::string& workload, double seconds) {
  using namespace trainperf::testing;
  const bool reached = std::isfinite(seconds);
  const double dt = reached ? seconds / 5 : 1.0;
  const fs::path dir = write_trial(root, "prodigy", study, workload + "_cpp", 1, "validation/accuracy",
                                   curve(0.1, 0.5, reached ? 4 : -1, 8, dt));
  write_text_file(dir / "meta_data_0.json", json{{"trainperf_version", "test"},
                                                 {"workload", workload},
                                                 {"study", study},
                                                 {"reference_step", {{"median_s", 0.01}}}}
                                                .dump());
  write_text_file(dir / "trial_result.json", json{{"status", reached ? "reached_targets" : "budget_exhausted"}}.dump());
}

std::vector<WorkloadReference> fake_references() {
  std::vector<WorkloadReference> refs;
  for (const auto& [name, budget] : std::vector<std::pair<std::string, double>>{{"alpha", 1000}, {"beta", 2000}}) {
    WorkloadReference r;
    r.workload = name;
    r.target.name = name;
    r.target.metric = "validation/accuracy";
    r.target.goal = Goal::Maximize;
    r.target.target = 0.5;
    r.budget_reference_steps = budget;
    refs.push_back(r);
  }
  return refs;
}

constexpr double kMiss = scoring::kInf;

}  // namespace

// Three candidates x two workloads (budgets 1000 and 2000 reference steps) x three studies, as trial
// trees. Times in seconds; one reference step is 10 ms, so ratio = seconds * 100 / budget.
//   candidate  alpha (s)       ratios          median | beta (s)        ratios          median | score
//   0          5, 6, 10        .5, .6, 1       0.6    | 10, miss, 12    .5, 4, .6       0.6    | sqrt(.6*.6) = 0.6
//   1          3, 3, miss      .3, .3, 4       0.3    | 20, 18, 30      1, .9, 1.5      1.0    | sqrt(.3*1)  = 0.5477
//   2          miss, miss, 2   4, 4, .2        4      | 4, 4, 4         .2, .2, .2      0.2    | sqrt(4*.2)  = 0.8944
// Ranked 1 < 0 < 2: candidate 1 is chosen.
TEST(CalibrationCriterion, RanksFakeTrialTreesAsComputedByHand) {
  const fs::path root = trainperf::testing::fresh_scoring_dir("calibration");
  const std::vector<std::vector<std::vector<double>>> seconds = {
      {{5, 6, 10}, {10, kMiss, 12}}, {{3, 3, kMiss}, {20, 18, 30}}, {{kMiss, kMiss, 2}, {4, 4, 4}}};
  for (int c = 0; c < 3; ++c)
    for (int w = 0; w < 2; ++w)
      for (int s = 0; s < 3; ++s)
        fake_trial(root / std::to_string(c), s, w == 0 ? "alpha" : "beta", seconds[c][w][s]);
  const auto refs = fake_references();
  const auto resamples = draw_study_resamples(3, kBootstrapReplicates, 5);
  ASSERT_EQ(resamples.size(), static_cast<size_t>(kBootstrapReplicates));
  scoring::Diagnostics diag;
  std::vector<CandidateResult> results;
  for (int c = 0; c < 3; ++c) results.push_back(measure_candidate(root / std::to_string(c) / "prodigy", c, refs, 3, resamples, diag));
  for (const auto& r : results) ASSERT_TRUE(r.complete()) << r.missing;
  EXPECT_NEAR(results[0].score, 0.6, 1e-9);
  EXPECT_NEAR(results[1].score, std::sqrt(0.3), 1e-9);
  EXPECT_NEAR(results[2].score, std::sqrt(0.8), 1e-9);
  EXPECT_NEAR(results[0].trials[0][2].reference_steps, 1000, 1e-6);
  EXPECT_NEAR(results[0].trials[0][2].seconds, 10, 1e-9);
  EXPECT_FALSE(results[0].trials[1][1].reached);
  EXPECT_DOUBLE_EQ(results[0].trials[1][1].ratio, kTauMax);
  EXPECT_NEAR(results[1].workload_ratios[1], 1.0, 1e-9);
  std::vector<std::vector<double>> ratios;
  for (const auto& r : results) ratios.push_back(r.workload_ratios);
  EXPECT_EQ(choose(ratios, {0, 1, 2}, {true, true}), 1);
  // Candidate 2's beta is 0.2 in every study, its alpha 4 in two of three: a resample's alpha median
  // is 4 or 0.2, so every resampled score is sqrt(0.8) or 0.2 and the interval lies between them.
  const Interval i2 = results[2].interval;
  ASSERT_TRUE(i2.unavailable.empty());
  EXPECT_GE(i2.low, 0.2 - 1e-12);
  EXPECT_LE(i2.high, std::sqrt(0.8) + 1e-12);
  // P(alpha median = 4) = P(at least two of three draws are a 4) = 20/27: the upper end is sqrt(0.8).
  EXPECT_NEAR(i2.high, std::sqrt(0.8), 1e-12);
  EXPECT_NEAR(i2.low, 0.2, 1e-12);  // P(median 0.2) = 7/27 > 2.5%
  // One study: no interval rather than a zero-width one.
  const auto one = measure_candidate(root / "0" / "prodigy", 0, refs, 1, draw_study_resamples(1, 100, 5), diag);
  EXPECT_FALSE(one.interval.unavailable.empty());
  EXPECT_NEAR(one.score, std::sqrt(0.5 * 0.5), 1e-9);
  // An unfinished trial leaves the candidate incomplete, naming it.
  fs::remove(root / "0" / "prodigy" / "study_1" / "beta_cpp" / "trial_1" / "trial_result.json");
  const auto partial = measure_candidate(root / "0" / "prodigy", 0, refs, 3, resamples, diag);
  EXPECT_FALSE(partial.complete());
  EXPECT_NE(partial.missing.find("study_1/beta"), std::string::npos) << partial.missing;
  fs::remove_all(root);
}

TEST(CalibrationHalving, ScheduleAndSurvivors) {
  EXPECT_EQ(halving_schedule(9, 3), (std::vector<int>{1, 3, 9}));
  EXPECT_EQ(halving_schedule(5, 3), (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(halving_schedule(1, 3), (std::vector<int>{1}));
  EXPECT_EQ(halving_schedule(4, 2), (std::vector<int>{1, 2, 4}));
  // Nine candidates, eta 3: the three lowest scores survive, best first; a tie goes to the lower index,
  // a NaN (no score) is last.
  const std::vector<int> cands = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> scores = {0.9, 0.4, 2.0, 0.4, 1.1, 0.3, NAN, 3.0, 0.8};
  EXPECT_EQ(halving_keep(cands, scores, 3), (std::vector<int>{5, 1, 3}));
  // ceil(4 / 3) = 2 of four; indices need not be contiguous.
  EXPECT_EQ(halving_keep({2, 5, 7, 9}, {1.0, 0.5, NAN, 0.7}, 3), (std::vector<int>{5, 9}));
  EXPECT_EQ(halving_keep({4}, {NAN}, 3), (std::vector<int>{4}));
}

// Workload ratios of four candidates on three workloads (scores: geometric means):
//   candidate  w0    w1    w2    | all three      | without w0     | without w1     | without w2
//   0          1.0   1.0   1.0   | 1.0            | 1.0            | 1.0  <- chosen | 1.0
//   1          0.3   1.0   4.0   | 1.063          | 2.0            | 1.095          | 0.548 <- chosen
//   2          4.0   0.5   0.5   | 1.0            | 0.5  <- chosen | 1.414          | 1.414
//   3          0.9   0.9   1.2   | 0.991 <- chosen| 1.039          | 1.039          | 0.9
// Held out w0: chosen 2, its w0 4.0 vs the chosen-with-all 3's 0.9: drop 4/0.9. Held out w1: chosen 0,
// 1.0 vs 0.9: drop 1/0.9. Held out w2: chosen 1, 4.0 vs 1.2: drop 4/1.2.
TEST(CalibrationLeaveOneOut, ChoosesWithoutTheHeldOutWorkload) {
  const std::vector<std::vector<double>> r = {
      {1.0, 1.0, 1.0}, {0.3, 1.0, 4.0}, {4.0, 0.5, 0.5}, {0.9, 0.9, 1.2}};
  EXPECT_EQ(choose(r, {0, 1, 2, 3}, {true, true, true}), 3);
  const auto loo = leave_one_out(r, {0, 1, 2, 3});
  ASSERT_EQ(loo.size(), 3u);
  EXPECT_EQ(loo[0].chosen_without, 2);
  EXPECT_EQ(loo[1].chosen_without, 0);
  EXPECT_EQ(loo[2].chosen_without, 1);
  for (const auto& l : loo) EXPECT_EQ(l.chosen_with, 3);
  EXPECT_NEAR(loo[0].drop, 4.0 / 0.9, 1e-12);
  EXPECT_NEAR(loo[1].drop, 1.0 / 0.9, 1e-12);
  EXPECT_NEAR(loo[2].drop, 4.0 / 1.2, 1e-12);
  EXPECT_DOUBLE_EQ(loo[2].ratio_without, 4.0);
  EXPECT_DOUBLE_EQ(loo[2].ratio_with, 1.2);
  // The held-out workload takes no part in the choice: changing it changes nothing chosen without it.
  auto changed = r;
  for (auto& row : changed) row[2] = 0.01;
  changed[1][2] = 100;
  EXPECT_EQ(leave_one_out(changed, {0, 1, 2, 3})[2].chosen_without, 1);
  // Only the candidates given compete: without 2, held-out w0 goes to 0 (1.0 against 3's 1.039).
  EXPECT_EQ(leave_one_out(r, {0, 3})[0].chosen_without, 0);
  EXPECT_EQ(leave_one_out(r, {1, 3})[0].chosen_without, 3);  // 2.0 against 1.039
}

TEST(SelfTuningConfig, KeysThatDoNotFitTheSchemaAreRefusedNamingFileAndKey) {
  const fs::path dir = fs::temp_directory_path() / ("trainperf_stc_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const SubmissionEntry& sub = submissions().find("prodigy");
  json point = json::parse(sub.self_tuning_config().to_json());
  point["d_coeff"] = 2.0;  // misspelt
  std::ofstream(dir / "bad.json") << point.dump();
  try {
    (void)self_tuning_point(sub, (dir / "bad.json").string());
    FAIL() << "an unknown key is refused";
  } catch (const SearchSpaceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / "bad.json").string()), std::string::npos) << m;
    EXPECT_NE(m.find("unknown key 'd_coeff'"), std::string::npos) << m;
    EXPECT_NE(m.find("d_coef"), std::string::npos) << m;  // the near miss named
  }
  std::ofstream(dir / "missing.json") << R"({"learning_rate": 1.0})";
  EXPECT_THROW((void)self_tuning_point(sub, (dir / "missing.json").string()), SearchSpaceError);
  point.erase("d_coeff");
  point["d_coef"] = 2.0;
  std::ofstream(dir / "good.json") << point.dump();
  EXPECT_DOUBLE_EQ(self_tuning_point(sub, (dir / "good.json").string()).number("d_coef"), 2.0);

  // The command refuses before any trial runs, naming the file and the key.
  const auto r = run_cli("run --workload fmnist_mlp --submission prodigy --ruleset self --max-steps 5 --threads 1 "
                         "--experiment-dir " + (dir / "exp").string() + " --self-tuning-config " +
                         (dir / "bad.json").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find((dir / "bad.json").string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'd_coeff'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "exp" / "prodigy" / "study_0")) << "nothing ran";
  // External tuning has no self-tuning configuration to replace.
  const auto ext = run_cli("run --workload fmnist_mlp --submission prodigy --ruleset external --max-steps 5 "
                           "--threads 1 --experiment-dir " + (dir / "exp").string() + " --self-tuning-config " +
                           (dir / "good.json").string());
  EXPECT_NE(ext.exit_code, 0);
  EXPECT_NE(ext.output.find("--ruleset self"), std::string::npos) << ext.output;
  // Trials of one point and of another never share an experiment folder.
  const std::string run_good = "run --workload fmnist_mlp --submission prodigy --ruleset self --max-steps 5 "
                               "--reference-step-s 0.002 --threads 1 --experiment-dir " + (dir / "exp2").string() +
                               " --self-tuning-config ";
  const auto ok = run_cli(run_good + (dir / "good.json").string());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(json::parse(std::ifstream(dir / "exp2" / "prodigy" / "study_0" / "fmnist_mlp_cpp" / "trial_1" /
                                      "hparams.json"))["d_coef"],
            2.0);
  point["d_coef"] = 3.0;
  std::ofstream(dir / "other.json") << point.dump();
  const auto mixed = run_cli(run_good + (dir / "other.json").string() + " --study 1");
  EXPECT_NE(mixed.exit_code, 0);
  EXPECT_NE(mixed.output.find("self_tuning_config"), std::string::npos) << mixed.output;
  fs::remove_all(dir);
}

// The whole command, cut short (--max-steps): three candidates of prodigy on two workloads, one study;
// rerun, it runs nothing again; `run --self-tuning-config` then runs the chosen point.
TEST(CalibrateCommand, EndToEndWritesBothFilesResumesAndRunsTheChosenPoint) {
  const fs::path dir = fs::temp_directory_path() / ("trainperf_calibrate_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string args = "calibrate --submission prodigy --workloads fmnist_mlp,fmnist_mlp_tanh --configs 3 "
                           "--studies 1 --max-steps 30 --reference-step-s 0.002 --threads 1 --seed 4 --experiment-dir " +
                           dir.string();
  const auto first = run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_TRUE(fs::exists(dir / "calibration.json")) << first.output;
  ASSERT_TRUE(fs::exists(dir / "self_tuning.json"));
  const json cal = json::parse(std::ifstream(dir / "calibration.json"));
  ASSERT_EQ(cal["candidates"].size(), 3u);
  EXPECT_EQ(cal["trials_run"], 6);
  EXPECT_EQ(cal["trials_exhaustive"], 6);
  EXPECT_TRUE(cal["halving"].is_null());
  EXPECT_EQ(cal["leave_one_out"].size(), 2u);
  const SubmissionEntry& sub = submissions().find("prodigy");
  EXPECT_EQ(cal["candidates"][0]["point"], json::parse(sub.self_tuning_config().to_json()));
  const auto sampled = sample_candidates(sub, calibration_space(sub, "").space, 3, 4);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(cal["candidates"][c]["point"], json::parse(sampled[c].to_json())) << c;
    EXPECT_TRUE(cal["candidates"][c]["workloads"].contains("fmnist_mlp_tanh"));
    EXPECT_TRUE(cal["candidates"][c]["interval_unavailable"].is_string()) << "one study: no interval";
  }
  const int chosen = cal["chosen"]["index"];
  EXPECT_EQ(json::parse(std::ifstream(dir / "self_tuning.json")), cal["candidates"][chosen]["point"]);
  ASSERT_TRUE(fs::exists(dir / "report.html")) << "the calibration page";
  fs::remove(dir / "report.html");
  const auto report = run_cli("report " + dir.string());
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(fs::exists(dir / "report.html")) << report.output;

  const auto again = run_cli(args);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 of 6 trials to run"), std::string::npos) << again.output;
  // Another seed samples other points: refused, not mixed in.
  const auto other = run_cli("calibrate --submission prodigy --workloads fmnist_mlp --configs 3 --studies 1 "
                             "--max-steps 30 --threads 1 --seed 5 --experiment-dir " + dir.string());
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.output.find("another point"), std::string::npos) << other.output;

  const auto run = run_cli("run --workload fmnist_mlp --submission prodigy --ruleset self --max-steps 20 "
                           "--reference-step-s 0.002 --threads 1 --experiment-dir " + (dir / "chosen").string() +
                           " --self-tuning-config " + (dir / "self_tuning.json").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json hparams =
      json::parse(std::ifstream(dir / "chosen" / "prodigy" / "study_0" / "fmnist_mlp_cpp" / "trial_1" / "hparams.json"));
  EXPECT_EQ(hparams, cal["chosen"]["point"]);
  fs::remove_all(dir);
}
