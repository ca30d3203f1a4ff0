// Declared hyperparameters: resolving points against a schema, and every built-in submission's
// shipped points resolving against its own schema.
#include <gtest/gtest.h>

#include <trainperf/hparams.h>

#include "runner/experiment.h"
#include "submissions/registry.h"
#include "tuning/search_space.h"

using namespace trainperf;

namespace {

HParamSchema example_schema() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate")
      .number("warmup_factor", 0.0, "warmup fraction")
      .integer("frequency", 10, "steps between updates")
      .boolean("flag", false, "a switch")
      .string("mode", "fast", "a choice")
      .string("adjust", "none", "may be null")
      .nullable()
      .optional("reps_rel", HType::Number, "model-dependent default");
}

std::string error_of(const HParamSchema& schema, const std::string& point_json) {
  try {
    schema.resolve(Hyperparameters::from_json(point_json, "p.json"), "space.json: point 2");
  } catch (const SearchSpaceError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(HParamSchema, ResolveFillsDefaultsAndConvertsNumbers) {
  const Hyperparameters h =
      example_schema().resolve(Hyperparameters::from_json(R"({"learning_rate": 1, "frequency": 20.0})", "p"), "p");
  EXPECT_DOUBLE_EQ(h.number("learning_rate"), 1.0);
  EXPECT_TRUE(std::holds_alternative<double>(h.values().at("learning_rate")));  // 1 is a number here
  EXPECT_TRUE(std::holds_alternative<int64_t>(h.values().at("frequency")));     // 20.0 is an integer here
  EXPECT_EQ(h.integer("frequency"), 20);
  EXPECT_DOUBLE_EQ(h.number("warmup_factor"), 0.0);
  EXPECT_FALSE(h.boolean("flag"));
  EXPECT_EQ(h.string("mode"), "fast");
  EXPECT_FALSE(h.has("reps_rel"));  // optional without a default stays unset
  EXPECT_EQ(h.values().size(), 6u);
}

TEST(HParamSchema, AMisspeltKeyIsRefusedWithTheClosestAcceptedOne) {
  const std::string e = error_of(example_schema(), R"({"learning_rate": 0.1, "warmup_fator": 0.05})");
  EXPECT_TRUE(contains(e, "space.json: point 2")) << e;
  EXPECT_TRUE(contains(e, "unknown key 'warmup_fator' (did you mean 'warmup_factor'?)")) << e;
  EXPECT_TRUE(contains(e, "accepted keys:")) << e;
  EXPECT_TRUE(contains(e, "frequency")) << e;  // the accepted keys are listed
  const std::string far = error_of(example_schema(), R"({"learning_rate": 0.1, "zzz": 1})");
  EXPECT_TRUE(contains(far, "unknown key 'zzz'")) << far;
  EXPECT_FALSE(contains(far, "did you mean")) << far;
}

TEST(HParamSchema, MissingAndMistypedKeysAreRefused) {
  const std::string missing = error_of(example_schema(), R"({"warmup_factor": 0.1})");
  EXPECT_TRUE(contains(missing, "missing required key 'learning_rate' (peak learning rate)")) << missing;
  const std::string typed = error_of(example_schema(), R"({"learning_rate": "0.1", "flag": 1, "frequency": 2.5})");
  EXPECT_TRUE(contains(typed, "'learning_rate' must be a number, got \"0.1\" (string)")) << typed;
  EXPECT_TRUE(contains(typed, "'flag' must be a bool, got 1 (integer)")) << typed;
  EXPECT_TRUE(contains(typed, "'frequency' must be a integer, got 2.5 (number)")) << typed;
  const std::string null = error_of(example_schema(), R"({"learning_rate": null})");
  EXPECT_TRUE(contains(null, "'learning_rate' must be a number, got null")) << null;
}

TEST(HParamSchema, NullIsAcceptedWhereDeclared) {
  const Hyperparameters h = example_schema().resolve(
      Hyperparameters::from_json(R"({"learning_rate": 0.1, "adjust": null})", "p"), "p");
  EXPECT_TRUE(h.is_none("adjust"));
  EXPECT_EQ(h.string("adjust"), "none");
}

TEST(HParamSchema, BlocksComposeAndDuplicatesAreAProgrammingError) {
  const HParamSchema block = HParamSchema().number("label_smoothing", 0.0, "smoothing");
  const HParamSchema s = HParamSchema().number("learning_rate", "lr").add(block);
  EXPECT_EQ(s.keys().size(), 2u);
  EXPECT_NE(s.find("label_smoothing"), nullptr);
  EXPECT_THROW(HParamSchema(s).add(block), std::logic_error);
  EXPECT_THROW(HParamSchema().integer("n", int64_t{1}, "doc").number("x", "doc").nullable().integer("n", "again"), std::logic_error);
}

TEST(HParamSchema, TableListsEveryKey) {
  const std::string t = example_schema().table();
  EXPECT_TRUE(contains(t, "name")) << t;
  EXPECT_TRUE(contains(t, "learning_rate")) << t;
  EXPECT_TRUE(contains(t, "(required)")) << t;
  EXPECT_TRUE(contains(t, "(optional)")) << t;
  EXPECT_TRUE(contains(t, "\"fast\"")) << t;
  EXPECT_TRUE(contains(t, "string?")) << t;  // nullable
}

// Every registered submission: its shipped search-space points and self-tuning configuration fit the
// keys it declares, and every declared key without a default is set by them.
TEST(SubmissionSchemas, EveryShippedPointResolves) {
  for (const auto& e : submissions().entries()) {
    EXPECT_FALSE(e.hparams.empty()) << e.name;
    EXPECT_NO_THROW((void)e.self_tuning_config()) << e.name;
    const SearchSpace space = e.search_space();
    const int n = space.is_list() ? static_cast<int>(space.points().size()) : 5;
    EXPECT_NO_THROW((void)study_points(e, &space, n, 7)) << e.name;
    EXPECT_NE(e.schema().find("dropout_rate"), nullptr) << e.name;  // the harness's keys are added
  }
}

TEST(SubmissionSchemas, ADecoratorTakesItsBasesKeysSpaceAndConfig) {
  const SubmissionEntry& ema = submissions().find("nadamw_ema");
  const SubmissionEntry& base = submissions().find("nadamw");
  EXPECT_NE(ema.schema().find("one_minus_beta1"), nullptr);
  EXPECT_NE(ema.schema().find("ema_decay"), nullptr);
  EXPECT_EQ(ema.search_space().points().size(), base.search_space().points().size());
  const Hyperparameters self = ema.self_tuning_config();
  EXPECT_DOUBLE_EQ(self.number("ema_decay"), 0.999);
  EXPECT_DOUBLE_EQ(self.number("learning_rate"), base.self_tuning_config().number("learning_rate"));
  EXPECT_EQ(submissions().find("nadamw_lawa").self_tuning_config().integer("lawa_queue_len"), 5);
}

TEST(SubmissionSchemas, AMisspeltKeyInASearchSpaceIsRefusedBeforeAnyTrial) {
  const SubmissionEntry& e = submissions().find("nadamw");
  const SearchSpace space = SearchSpace::parse(
      R"({"learning_rate": {"min": 1e-4, "max": 1e-2, "scaling": "log"}, "one_minus_beta1": {"feasible_points": [0.1]},
          "beta2": {"feasible_points": [0.999]}, "weight_decay": {"feasible_points": [0.1]},
          "warmup_fator": {"feasible_points": [0.05]}})",
      "my_space.json");
  try {
    (void)study_points(e, &space, 3, 1);
    FAIL() << "a misspelt key was accepted";
  } catch (const SearchSpaceError& err) {
    const std::string m = err.what();
    EXPECT_TRUE(contains(m, "my_space.json: trial 1 (submission nadamw)")) << m;
    EXPECT_TRUE(contains(m, "unknown key 'warmup_fator' (did you mean 'warmup_factor'?)")) << m;
  }
}
