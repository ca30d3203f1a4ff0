// Scores of a messy AlgoPerf v0.5 tree against tests/golden/scoring/scores_golden.json, computed by an
// independent Python script (gen_scores.py) from the published steps.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "scoring/log_fixtures.h"
#include "scoring/scoring.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
double decode(const nlohmann::json& v) {
  if (v.is_string()) return v == "inf" ? std::numeric_limits<double>::infinity() : std::nan("");
  return v.get<double>();
}

void expect_same_time(double expected, double actual, const std::string& what) {
  if (std::isnan(expected))
    EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual;
  else
    EXPECT_EQ(expected, actual) << what;
}

struct ScoringGolden : ::testing::Test {
  void SetUp() override {
    std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/scoring/scores_golden.json");
    ASSERT_TRUE(in) << "missing tests/golden/scoring/scores_golden.json (run gen_scores.py)";
    golden = nlohmann::json::parse(in);
    root = fresh_scoring_dir("golden");
    write_golden_tree(golden, root);
  }
  void TearDown() override { fs::remove_all(root); }

  void check(TimeAxis axis, const std::string& name) {
    ScoreOptions options;
    options.targets = golden["targets"].get<std::string>();
    options.axis = axis;
    auto r = score_log_trees({root}, options, nullptr);
    EXPECT_FALSE(r.warnings.empty());  // the tree is messy on purpose
    const auto& expected = golden["expected"][name];
    for (const auto& [sub, times] : expected["workload_times"].items()) {
      const int s = r.submission_index(sub);
      ASSERT_GE(s, 0) << sub;
      for (const auto& [w, t] : times.items())
        expect_same_time(decode(t), r.raw.t[s][r.raw.workload_index(w)], name + " " + sub + "/" + w);
      for (const auto& [w, t] : expected["scored_times"][sub].items())
        expect_same_time(decode(t), r.scored.t[s][r.scored.workload_index(w)], name + " scored " + sub + "/" + w);
      const auto& rho = expected["rho"][sub];
      for (size_t k = 0; k < rho.size(); ++k) EXPECT_EQ(rho[k].get<double>(), r.profile.rho[s][k]) << sub << " " << k;
      const double score = expected["scores"][sub].get<double>();
      EXPECT_NEAR(score, r.scores[s], 1e-12) << name << " " << sub;
      EXPECT_NEAR(r.scores[s] * 1584, std::round(r.scores[s] * 1584), 1e-9);
    }
  }

  nlohmann::json golden;
  fs::path root;
};
}  // namespace

TEST_F(ScoringGolden, ByTimeMatchesThePythonReference) { check(TimeAxis::Time, "time"); }
TEST_F(ScoringGolden, ByStepsMatchesThePythonReference) { check(TimeAxis::Steps, "steps"); }
