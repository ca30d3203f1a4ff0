// Scoring by reference steps (docs/timing.md): the `score` column divided by each trial's recorded
// reference step, so submissions run on machines of different speeds compare as if on one.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "scoring/scoring.h"
#include "scoring/log_fixtures.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
// One workload, one study of one trial each: "quick" ran on a machine whose reference step took
// 0.01 s and reached the target after 125 s (its fifth eval); "steady" on one twice as slow (0.02 s)
// after 250 s, and after as many steps. "unmeasured" has no reference step (another runner's logs).
fs::path write_two_machines(const fs::path& root) {
  write_text_file(root / "targets.json", R"({"name": "one", "studies": 1, "trials_per_study": 1,
    "workloads": {"alpha": {"metric": "validation/accuracy", "target": 0.5, "max_runtime": 1000}}})");
  auto with_reference_step = [](const fs::path& dir, double s) {
    auto meta = nlohmann::json::parse(std::ifstream(dir / "meta_data_0.json"));
    meta["reference_step"] = {{"median_s", s}};
    write_text_file(dir / "meta_data_0.json", meta.dump(2));
  };
  with_reference_step(write_trial(root / "exp", "quick", 0, "alpha_cpp", 1, "validation/accuracy",
                                  curve(0.1, 0.5, 4, 8, 25)), 0.01);
  with_reference_step(write_trial(root / "exp", "steady", 0, "alpha_cpp", 1, "validation/accuracy",
                                  curve(0.1, 0.5, 4, 8, 50)), 0.02);
  return root / "targets.json";
}
}  // namespace

TEST(ScoreByReferenceSteps, MachinesOfDifferentSpeedsCompareAsOnOne) {
  const fs::path root = fresh_scoring_dir("refsteps");
  ScoreOptions options;
  options.targets = write_two_machines(root).string();
  options.bootstrap = 0;
  const ScoreResult by_time = score_log_trees({root / "exp"}, options, nullptr);
  const size_t quick = static_cast<size_t>(by_time.submission_index("quick"));
  const size_t steady = static_cast<size_t>(by_time.submission_index("steady"));
  EXPECT_DOUBLE_EQ(by_time.raw.t[quick][0], 125.0);
  EXPECT_DOUBLE_EQ(by_time.raw.t[steady][0], 250.0);
  EXPECT_DOUBLE_EQ(by_time.scores[quick], 1.0);
  EXPECT_LT(by_time.scores[steady], 1.0);  // twice the seconds: the slower machine loses by time

  options.axis = TimeAxis::ReferenceSteps;
  const ScoreResult by_ref = score_log_trees({root / "exp"}, options, nullptr);
  EXPECT_DOUBLE_EQ(by_ref.raw.t[quick][0], 12500.0);  // 125 s / 0.01 s
  EXPECT_DOUBLE_EQ(by_ref.raw.t[steady][0], 12500.0);  // 250 s / 0.02 s
  EXPECT_DOUBLE_EQ(by_ref.scores[quick], 1.0);
  EXPECT_DOUBLE_EQ(by_ref.scores[steady], 1.0);
  EXPECT_STREQ(by_ref.unit(), "reference steps");
}

TEST(ScoreByReferenceSteps, ATrialWithoutAReferenceStepIsNamedAndRefusedUnderStrict) {
  const fs::path root = fresh_scoring_dir("refsteps_missing");
  ScoreOptions options;
  options.targets = write_two_machines(root).string();
  options.bootstrap = 0;
  options.axis = TimeAxis::ReferenceSteps;
  write_trial(root / "exp", "unmeasured", 0, "alpha_jax", 1, "validation/accuracy", curve(0.1, 0.5, 2, 8, 10));
  std::ostringstream warnings;
  const ScoreResult r = score_log_trees({root / "exp"}, options, &warnings);
  EXPECT_TRUE(std::isinf(r.raw.t[static_cast<size_t>(r.submission_index("unmeasured"))][0]));
  EXPECT_TRUE(contains(warnings.str(), "no reference step in meta_data_0.json")) << warnings.str();
  EXPECT_TRUE(contains(warnings.str(), "unmeasured")) << warnings.str();
  options.strict = true;
  EXPECT_THROW(score_log_trees({root / "exp"}, options, nullptr), ScoringError);
}
