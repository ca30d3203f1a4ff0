// Steps 4-7 of the published scoring on hand-computed tables.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "scoring/performance_profile.h"

using namespace trainperf;
using namespace trainperf::scoring;

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();

TargetTable table_of(const std::vector<std::pair<std::string, std::string>>& names_and_bases) {
  TargetTable t;
  t.name = "test";
  for (const auto& [name, base] : names_and_bases) {
    WorkloadTarget w;
    w.name = name;
    w.metric = "validation/accuracy";
    w.base = base;
    t.workloads.push_back(w);
  }
  return t;
}

TimeTable times_of(const TargetTable& t, const std::vector<std::string>& subs, std::vector<std::vector<double>> rows) {
  TimeTable tt;
  tt.submissions = subs;
  for (const auto& w : t.workloads) tt.workloads.push_back(w.name);
  tt.t = std::move(rows);
  return tt;
}

std::vector<double> scores_of(const TargetTable& t, const TimeTable& times) {
  const auto bases = apply_scoring_rules(times, t);
  return benchmark_scores(performance_profile(performance_ratios(bases), bases.workloads.size()));
}

// score * n * 2 * 99 is a whole number: rho only takes values k/n and the trapezoid halves them.
void expect_on_grid(double score, size_t n) {
  const double units = score * static_cast<double>(n) * 198.0;
  EXPECT_NEAR(units, std::round(units), 1e-9) << "score " << score << " is not a multiple of 1/" << n * 198;
}
}  // namespace

TEST(ScoringProfile, TausAreNumpyLinspace) {
  const auto taus = profile_taus();
  ASSERT_EQ(taus.size(), 100u);
  EXPECT_EQ(taus.front(), 1.0);
  EXPECT_EQ(taus.back(), 4.0);  // both ends included
  // numpy.linspace(1, 4, 100)[33] and [66] are exactly 2.0 and 3.0.
  EXPECT_EQ(taus[33], 2.0);
  EXPECT_EQ(taus[66], 3.0);
  for (size_t k = 1; k < taus.size(); ++k) EXPECT_NEAR(taus[k] - taus[k - 1], 3.0 / 99, 1e-15);
}

// Two submissions x three workloads, with an infinity and the cap; worked out by hand:
//   A: 100, inf, 300      B: 210, 50, 1050
//   ratios A: 1, inf, 1   B: 2.1, 1, 3.5
//   rho_A = 2/3 everywhere               -> score 2/3
//   rho_B: 1/3 for k < 37 (tau < 2.1), 2/3 for 37 <= k < 83 (tau < 3.5), 1 from k = 83
//   sum_k rho_B = 37/3 + 46*2/3 + 17 = 60; score = (2*60 - 1/3 - 1) / 198 = 178/297
TEST(ScoringProfile, TwoSubmissionsThreeWorkloadsByHand) {
  const auto t = table_of({{"w1", ""}, {"w2", ""}, {"w3", ""}});
  const auto times = times_of(t, {"A", "B"}, {{100, kInfinity, 300}, {210, 50, 1050}});
  const auto bases = apply_scoring_rules(times, t);
  const auto ratios = performance_ratios(bases);
  EXPECT_EQ(ratios[0][0], 1.0);
  EXPECT_TRUE(std::isinf(ratios[0][1]));
  EXPECT_EQ(ratios[1][0], 2.1);
  EXPECT_EQ(ratios[1][2], 3.5);
  const auto profile = performance_profile(ratios, 3);
  EXPECT_DOUBLE_EQ(profile.rho[1][36], 1.0 / 3);
  EXPECT_DOUBLE_EQ(profile.rho[1][37], 2.0 / 3);
  EXPECT_DOUBLE_EQ(profile.rho[1][82], 2.0 / 3);
  EXPECT_DOUBLE_EQ(profile.rho[1][83], 1.0);
  const auto scores = benchmark_scores(profile);
  EXPECT_NEAR(scores[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(scores[1], 178.0 / 297, 1e-12);
  expect_on_grid(scores[0], 3);
  expect_on_grid(scores[1], 3);
}

TEST(ScoringProfile, FourTimesCapKeepsExactlyFourAndCountsItAtTheLastTau) {
  const auto t = table_of({{"w", ""}});
  const auto times = times_of(t, {"fast", "four", "over"}, {{100}, {400}, {400.0001}});
  const auto bases = apply_scoring_rules(times, t);
  EXPECT_EQ(bases.t[1][0], 400);
  EXPECT_TRUE(std::isinf(bases.t[2][0]));
  const auto profile = performance_profile(performance_ratios(bases), 1);
  EXPECT_EQ(profile.rho[1][98], 0.0);
  EXPECT_EQ(profile.rho[1][99], 1.0);  // r = 4 counts at tau = 4
  const auto scores = benchmark_scores(profile);
  EXPECT_NEAR(scores[0], 1.0, 1e-12);
  EXPECT_NEAR(scores[1], 1.0 / 198, 1e-12);  // one half-trapezoid
  EXPECT_EQ(scores[2], 0.0);
}

TEST(ScoringProfile, CapUsesTheColumnMinimumOverScoredSubmissionsSkippingMissing) {
  const auto t = table_of({{"w", ""}});
  const auto times = times_of(t, {"a", "b", "c"}, {{kNaN}, {300}, {1000}});
  const auto bases = apply_scoring_rules(times, t);
  EXPECT_TRUE(std::isnan(bases.t[0][0]));  // missing stays missing
  EXPECT_EQ(bases.t[1][0], 300);
  EXPECT_EQ(bases.t[2][0], 1000);  // 1000 <= 4 * 300
}

// Held-out variants: v1 of b1; b2 has none. A's variant is missing, B's variant not reached, C's base
// not reached (so C's fast variant time must not set the variant column's minimum), D reaches both.
TEST(ScoringProfile, HeldOutVariantRules) {
  const auto t = table_of({{"b1", ""}, {"b2", ""}, {"v1", "b1"}});
  const auto times = times_of(t, {"A", "B", "C", "D"}, {{100, 10, kNaN}, {120, 10, kInfinity}, {kInfinity, 10, 50}, {150, 10, 300}});
  TimeTable capped;
  std::vector<std::vector<std::string>> why;
  const auto bases = apply_scoring_rules(times, t, &capped, &why);
  ASSERT_EQ(bases.workloads, (std::vector<std::string>{"b1", "b2"}));  // only base columns
  // Step 4: C's variant is infinite because its base is; the variant column's minimum is then D's 300,
  // so D's variant stays within 4x (with C's 50 counted it would be capped and D's base lost).
  EXPECT_TRUE(std::isinf(capped.t[2][2]));
  EXPECT_EQ(capped.t[3][2], 300);
  // Step 6.
  EXPECT_TRUE(std::isinf(bases.t[0][0]));  // variant missing
  EXPECT_TRUE(std::isinf(bases.t[1][0]));  // variant infinite
  EXPECT_TRUE(std::isinf(bases.t[2][0]));  // base infinite
  EXPECT_EQ(bases.t[3][0], 150);
  EXPECT_EQ(why[0][0], "held-out variant v1 missing");
  EXPECT_EQ(why[1][0], "held-out variant v1 not reached");
  EXPECT_EQ(why[2][0], "");  // was already infinite
  EXPECT_EQ(why[3][0], "");
  // Ratios over the new column minimum (150): D = 1. Everyone ties on b2.
  const auto scores = benchmark_scores(performance_profile(performance_ratios(bases), 2));
  EXPECT_NEAR(scores[0], 0.5, 1e-12);
  EXPECT_NEAR(scores[1], 0.5, 1e-12);
  EXPECT_NEAR(scores[2], 0.5, 1e-12);
  EXPECT_NEAR(scores[3], 1.0, 1e-12);
}

TEST(ScoringProfile, VariantOverFourTimesTheFastestRemovesTheBase) {
  const auto t = table_of({{"b", ""}, {"v", "b"}});
  const auto times = times_of(t, {"A", "B"}, {{100, 100}, {110, 401}});
  std::vector<std::vector<std::string>> why;
  const auto bases = apply_scoring_rules(times, t, nullptr, &why);
  EXPECT_EQ(bases.t[0][0], 100);
  EXPECT_TRUE(std::isinf(bases.t[1][0]));
  EXPECT_EQ(why[1][0], "held-out variant v over 4x the fastest");
}

TEST(ScoringProfile, TiesShareTheBestRatio) {
  const auto t = table_of({{"w1", ""}, {"w2", ""}});
  const auto times = times_of(t, {"A", "B"}, {{70, 90}, {70, 180}});
  const auto ratios = performance_ratios(apply_scoring_rules(times, t));
  EXPECT_EQ(ratios[0][0], 1.0);
  EXPECT_EQ(ratios[1][0], 1.0);
  EXPECT_EQ(ratios[1][1], 2.0);
  // B: rho = 1/2 below tau = 2, 1 from tau_33 = 2.0 exactly (r <= tau): sum = 33/2 + 67 = 83.5.
  const auto scores = benchmark_scores(performance_profile(ratios, 2));
  EXPECT_NEAR(scores[1], (2 * 83.5 - 0.5 - 1) / 198, 1e-12);
}

TEST(ScoringProfile, NobodyReachingAWorkloadCountsForNobody) {
  const auto t = table_of({{"w1", ""}, {"w2", ""}});
  const auto times = times_of(t, {"A", "B"}, {{kInfinity, 5}, {kInfinity, kNaN}});
  const auto ratios = performance_ratios(apply_scoring_rules(times, t));
  EXPECT_TRUE(std::isnan(ratios[0][0]));  // kInfinity / kInfinity
  EXPECT_TRUE(std::isnan(ratios[1][1]));  // missing
  const auto scores = benchmark_scores(performance_profile(ratios, 2));
  EXPECT_NEAR(scores[0], 0.5, 1e-12);
  EXPECT_EQ(scores[1], 0.0);
}

TEST(ScoringProfile, ScoresAreMultiplesOfOneOverTwoNinetyNineN) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> time(10, 100);
  std::bernoulli_distribution unreached(0.2), missing(0.05);
  for (size_t n : {1u, 3u, 8u, 11u}) {
    std::vector<std::pair<std::string, std::string>> names;
    for (size_t w = 0; w < n; ++w) names.push_back({"w" + std::to_string(w), ""});
    const auto t = table_of(names);
    std::vector<std::vector<double>> rows(5, std::vector<double>(n));
    for (auto& row : rows)
      for (auto& v : row) v = missing(rng) ? kNaN : unreached(rng) ? kInfinity : time(rng);
    for (double s : scores_of(t, times_of(t, {"a", "b", "c", "d", "e"}, rows))) {
      expect_on_grid(s, n);
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0 + 1e-12);
    }
  }
  // AlgoPerf v0.5: 8 base workloads -> multiples of 1/1584.
  const auto t = table_of({{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}, {"e", ""}, {"f", ""}, {"g", ""}, {"h", ""}});
  const auto s = scores_of(t, times_of(t, {"x", "y"}, {{1, 2, 3, 4, 5, 6, 7, 8}, {2, 1.5, 9, 3, kInfinity, 6.5, 7, 20}}));
  EXPECT_NEAR(s[1] * 1584, std::round(s[1] * 1584), 1e-9);
}
