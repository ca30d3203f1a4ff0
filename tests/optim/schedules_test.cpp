// The composed schedules against tests/golden/optim/gen_schedules.py (optax semantics), and
// ScheduledLr keeping per-group learning-rate ratios.
#include "optim/adamw.h"
#include "optim/optim_test_support.h"
#include "optim/schedules.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {
void expect_values(const Schedule& s, const nlohmann::json& c) {
  const auto values = c["values"].get<std::vector<double>>();
  for (size_t t = 0; t < values.size(); ++t)
    EXPECT_NEAR(s.multiplier(static_cast<int64_t>(t)), values[t], 1e-15) << "t = " << t << " in " << c.dump();
}
}  // namespace

TEST(Schedules, WarmupLinearDecayMatchesGolden) {
  for (const auto& c : load_golden("schedules")["warmup_linear_decay"])
    expect_values(*warmup_linear_decay(c["total"], c["warmup_factor"], c["decay_steps_factor"], c["end_factor"]), c);
}

TEST(Schedules, WarmupStableDecayMatchesGolden) {
  for (const auto& c : load_golden("schedules")["warmup_stable_decay"])
    expect_values(*warmup_stable_decay(c["total"], c["warmup_factor"], c["decay_fraction"], c["end_factor"]), c);
}

TEST(Schedules, ConstantWithWarmupMatchesGolden) {
  for (const auto& c : load_golden("schedules")["constant_with_warmup"])
    expect_values(*constant_with_warmup(c["total"], c["warmup_factor"]), c);
}

// AlgoPerf's PyTorch baselines' schedule, checked against torch's LinearLR + CosineAnnealingLR +
// SequentialLR by the generator: it starts at 1e-10 and rises again past the step budget.
TEST(Schedules, WarmupCosinePytorchMatchesGolden) {
  for (const auto& c : load_golden("schedules")["warmup_cosine_pytorch"]) {
    const auto values = c["values"].get<std::vector<double>>();
    const PytorchWarmupCosine s(c["total"], c["warmup_factor"]);
    for (size_t t = 0; t < values.size(); ++t)
      EXPECT_NEAR(s.multiplier(static_cast<int64_t>(t)), values[t], 1e-12) << "t = " << t << " in " << c.dump();
    const int64_t total = c["total"];
    EXPECT_EQ(s.multiplier(0), s.warmup_steps() > 0 ? 1e-10 : 1.0);
    EXPECT_GT(s.multiplier(total + total / 2), 0.1);  // past S the cosine has risen again
    EXPECT_EQ(WarmupCosine(total, c["warmup_factor"]).multiplier(total + total / 2), 0.0);  // the clamped form
  }
}

TEST(Schedules, JoinedEvaluatesEachPieceFromItsOwnStart) {
  Joined s({std::make_shared<LinearWarmup>(4), std::make_shared<LinearDecay>(10, 0.0)}, {4});
  EXPECT_DOUBLE_EQ(s.multiplier(2), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(4), 1.0);
  EXPECT_DOUBLE_EQ(s.multiplier(9), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(100), 0.0);
  EXPECT_THROW(Joined({std::make_shared<Constant>()}, {3}), c10::Error);
}

TEST(ScheduledLr, KeepsEachGroupsRatioToTheFirst) {
  torch::Tensor a = torch::zeros({1}, torch::requires_grad()), b = torch::zeros({1}, torch::requires_grad());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{a}, std::make_unique<AdamWOptions>(0.02));
  groups.emplace_back(std::vector<torch::Tensor>{b}, std::make_unique<AdamWOptions>(0.005));
  AdamW opt(std::move(groups));
  ScheduledLr lr(opt, std::make_shared<LinearDecay>(10, 0.0), 0.04);
  EXPECT_DOUBLE_EQ(lr.apply(5), 0.02);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.02);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].options().get_lr(), 0.005);
}

TEST(ScheduledLr, SetsEveryGroupOfASingleRateOptimizerToPeakTimesSchedule) {
  torch::Tensor a = torch::zeros({1}, torch::requires_grad());
  AdamW opt({a}, AdamWOptions(123.0));  // the construction rate does not matter with one group
  ScheduledLr lr(opt, std::make_shared<Constant>(), 0.5);
  lr.apply(0);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.5);
}

TEST(Schedules, NamedSchedulesAreTheCompositions) {
  const int64_t total = 50;
  const std::vector<std::pair<std::string, std::shared_ptr<Schedule>>> expected = {
      {"warmup_cosine", std::make_shared<WarmupCosine>(total, 0.1)},
      {"warmup_cosine_pytorch", std::make_shared<PytorchWarmupCosine>(total, 0.1)},
      {"warmup_stable_decay", warmup_stable_decay(total, 0.1, 0.3)},
      {"constant_with_warmup", constant_with_warmup(total, 0.1)},
  };
  ASSERT_EQ(schedule_names().size(), expected.size());
  for (const auto& [name, schedule] : expected) {
    const auto named = named_schedule(name, total, 0.1, 0.3);
    for (int64_t t = 0; t <= total + 2; ++t)
      EXPECT_EQ(named->multiplier(t), schedule->multiplier(t)) << name << " t " << t;
  }
  // warmup_stable_decay by name decays to 0: its golden cases with end_factor 0.
  for (const auto& c : load_golden("schedules")["warmup_stable_decay"])
    if (c["end_factor"].get<double>() == 0.0)
      expect_values(*named_schedule("warmup_stable_decay", c["total"], c["warmup_factor"], c["decay_fraction"]), c);
}

TEST(Schedules, AnUnknownNameIsRefusedListingTheKnownOnes) {
  try {
    named_schedule("cosine", 10, 0.1, 0.2);
    FAIL() << "accepted an unknown schedule";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'cosine'"), std::string::npos) << what;
    for (const auto& name : schedule_names()) EXPECT_NE(what.find(name), std::string::npos) << what;
  }
}
