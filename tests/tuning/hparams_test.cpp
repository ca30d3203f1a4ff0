#include <gtest/gtest.h>

#include <trainperf/hparams.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "submissions/registry.h"
#include "tuning/halton.h"

using namespace trainperf;

namespace {
std::string hparams_error_of(const std::string& text) {
  try {
    SearchSpace::parse(text, "space.json");
  } catch (const SearchSpaceError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(SearchSpace, ListFormYieldsPointsInOrder) {
  auto s = SearchSpace::parse(R"([{"lr": 0.1, "wd": 1}, {"lr": 0.2, "name": "x", "flag": true}])", "list.json");
  ASSERT_TRUE(s.is_list());
  EXPECT_DOUBLE_EQ(s.point(0, 7).number("lr"), 0.1);
  EXPECT_EQ(s.point(0, 7).integer("wd"), 1);
  EXPECT_DOUBLE_EQ(s.point(1, 99).number("lr"), 0.2);
  EXPECT_EQ(s.point(1, 0).string("name"), "x");
  EXPECT_TRUE(s.point(1, 0).boolean("flag"));
  EXPECT_THROW(s.point(2, 0), SearchSpaceError);
}

TEST(SearchSpace, NadamWPublishedPointsAreCompiledIn) {
  const SearchSpace s = submissions().find("nadamw").search_space();
  ASSERT_TRUE(s.is_list());
  ASSERT_EQ(s.points().size(), 5u);
  EXPECT_DOUBLE_EQ(s.point(1, 0).number("learning_rate"), 8.445074561975979e-4);  // the published digits
  EXPECT_DOUBLE_EQ(s.point(4, 0).number("dropout_rate"), 0.1);
  const SubmissionEntry& nadamw = submissions().find("nadamw");
  EXPECT_EQ(nadamw.self_tuning_config().values(), nadamw.resolve(s.point(4, 0), "point 5").values());  // = point 5
}

TEST(SearchSpace, DistributionFormMapsIntoBounds) {
  auto s = SearchSpace::parse(R"({"lr": {"min": 1e-4, "max": 1e-1, "scaling": "log"},
                                  "momentum": {"min": 0.8, "max": 0.99, "scaling": "linear"},
                                  "schedule": {"feasible_points": ["cosine", "linear"]}})",
                              "space.json");
  EXPECT_FALSE(s.is_list());
  std::set<std::string> schedules;
  int below_1e2 = 0;
  for (int i = 0; i < 64; ++i) {
    Hyperparameters h = s.point(i, 42);
    EXPECT_GE(h.number("lr"), 1e-4);
    EXPECT_LE(h.number("lr"), 1e-1);
    EXPECT_GE(h.number("momentum"), 0.8);
    EXPECT_LE(h.number("momentum"), 0.99);
    schedules.insert(h.string("schedule"));
    below_1e2 += h.number("lr") < 1e-2;
  }
  EXPECT_EQ(schedules.size(), 2u);
  // Log scaling: [1e-4, 1e-2) is two thirds of the log range.
  EXPECT_NEAR(below_1e2 / 64.0, 2.0 / 3.0, 0.08);
}

TEST(SearchSpace, PointsAreDeterministicAndDependOnSeed) {
  auto s = SearchSpace::parse(R"({"a": {"min": 0, "max": 1}, "b": {"min": 0, "max": 1}})", "s.json");
  EXPECT_EQ(s.point(3, 11).values(), s.point(3, 11).values());
  EXPECT_NE(s.point(3, 11).values(), s.point(3, 12).values());
  EXPECT_NE(s.point(3, 11).values(), s.point(4, 11).values());
}

TEST(Halton, EachDimensionIsStratified) {
  // The first b^k points of a base-b Halton dimension put exactly one point in each of the b^k
  // equal strata, whatever the digit scrambling; the sequence skips index 0, so take 1..b^k and
  // the origin's stratum is then hit by point b^k instead.
  const size_t dims = 4;
  for (uint64_t seed : {1ull, 2ull, 99ull}) {
    std::vector<int> bases = first_primes(dims);
    for (size_t d = 0; d < dims; ++d) {
      // Find this dimension's base: the one for which stratification by base^2 holds.
      bool found = false;
      for (int b : bases) {
        const int n = b * b;
        std::vector<int> hits(n, 0);
        // (+1e-9: a stratum boundary such as 1/3 is not exact in binary)
        for (int i = 0; i < n; ++i)
          hits[std::min(n - 1, static_cast<int>(halton_point(dims, i, seed)[d] * n + 1e-9))]++;
        if (std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; })) found = true;
      }
      EXPECT_TRUE(found) << "dimension " << d << " seed " << seed;
    }
  }
}

TEST(SearchSpace, MalformedInputNamesFileAndProblem) {
  EXPECT_NE(hparams_error_of("{\"lr\": {\"min\": 1, }").find("space.json: not valid JSON"), std::string::npos);
  EXPECT_NE(hparams_error_of("{\"lr\": {\"min\": 1, }").find("column"), std::string::npos);  // position
  EXPECT_NE(hparams_error_of(R"({"lr": {"min": 2, "max": 1}})").find("'lr': min (2"), std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": {"min": 0, "max": 1, "scaling": "log"}})").find("log scaling needs min > 0"),
            std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": {"min": 1e-3, "max": 1, "scaling": "exp"}})").find("unknown scaling 'exp'"),
            std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": {"max": 1}})").find("missing numeric 'min'"), std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": {"feasible_points": []}})").find("non-empty"), std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": 3})").find("'lr': expected"), std::string::npos);
  EXPECT_NE(hparams_error_of(R"({"lr": {"min": 1, "max": 2, "step": 1}})").find("unknown key 'step'"), std::string::npos);
  EXPECT_NE(hparams_error_of("[]").find("empty"), std::string::npos);
  EXPECT_NE(hparams_error_of("[1, 2]").find("point 1"), std::string::npos);
  EXPECT_NE(hparams_error_of("42").find("JSON object"), std::string::npos);
}

TEST(SearchSpace, LoadReportsMissingFile) {
  try {
    SearchSpace::load("/nonexistent/space.json");
    FAIL();
  } catch (const SearchSpaceError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/space.json"), std::string::npos);
  }
}

TEST(Hyperparameters, TypedAccessAndErrors) {
  Hyperparameters h({{"lr", 0.5}, {"steps", int64_t{3}}, {"name", std::string("x")}});
  EXPECT_DOUBLE_EQ(h.number("steps"), 3.0);
  EXPECT_DOUBLE_EQ(h.number_or("missing", 7.0), 7.0);
  EXPECT_THROW(h.number("name"), std::invalid_argument);
  EXPECT_THROW(h.number("nope"), std::out_of_range);
  auto round = Hyperparameters::from_json(h.to_json(), "rt");
  EXPECT_EQ(round.values(), h.values());
}

TEST(Hyperparameters, JsonNullIsAcceptedAndReadsAsNone) {
  // AlgoPerf's muon submission ships "muon_adjust_lr": null in its search space.
  auto s = SearchSpace::parse(R"([{"learning_rate": 0.02, "muon_adjust_lr": null}])", "muon.json");
  const Hyperparameters h = s.point(0, 0);
  EXPECT_TRUE(h.is_none("muon_adjust_lr"));
  EXPECT_FALSE(h.is_none("learning_rate"));
  EXPECT_FALSE(h.is_none("missing"));
  EXPECT_EQ(h.string("muon_adjust_lr"), "none");
  EXPECT_THROW(h.number("muon_adjust_lr"), std::invalid_argument);
  // Written back as null (hparams.json), and read again as the same point.
  EXPECT_NE(h.to_json().find("\"muon_adjust_lr\": null"), std::string::npos);
  EXPECT_EQ(Hyperparameters::from_json(h.to_json(), "rt").values(), h.values());
  // In the distribution form too.
  auto d = SearchSpace::parse(R"({"lr": {"min": 1e-3, "max": 1e-2, "scaling": "log"},
                                  "adjust": {"feasible_points": [null]}})",
                              "space.json");
  EXPECT_TRUE(d.point(0, 1).is_none("adjust"));
  // Other JSON types are still refused, naming the key.
  EXPECT_NE(hparams_error_of(R"([{"lr": [1, 2]}])").find("'lr': expected a number, bool, string or null"),
            std::string::npos);
}
