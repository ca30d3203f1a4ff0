// D-Adaptation Adam against tests/golden/optim/gen_dadapt.py, and its l1 = 0 guard.
#include <gtest/gtest.h>

#include "optim/dadapt_adam.h"
#include "optim/lr_free_golden.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(DAdaptAdam, MatchesGoldenTrajectory) {
  const auto g = lr_free_golden("dadapt");
  for (const auto& c : g["dadapt_adam"]) {
    GoldenProblem pb(g);
    DAdaptAdam opt({pb.w, pb.b}, DAdaptAdamOptions(c["lr"].get<double>())
                                     .beta1(c["beta1"])
                                     .beta2(c["beta2"])
                                     .eps(c["eps"])
                                     .weight_decay(c["weight_decay"])
                                     .decouple(c["decouple"])
                                     .use_bias_correction(c["use_bias_correction"])
                                     .d0(c["d0"])
                                     .growth_rate(golden_number(c["growth_rate"])));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["x"])) << "step " << step;
      EXPECT_TRUE(near_relative(opt.d(), expected["d"].get<double>())) << "d at step " << step;
    }
  }
}

// The defaults are dadaptation's DAdaptAdam's: coupled weight decay (decouple=False). Golden case 2 is
// coupled; run it without saying so.
TEST(DAdaptAdam, DefaultsToTheReferencesCoupledWeightDecay) {
  const auto g = lr_free_golden("dadapt");
  const auto& c = g["dadapt_adam"][2];
  ASSERT_FALSE(c["decouple"].get<bool>());
  GoldenProblem pb(g);
  DAdaptAdam opt({pb.w, pb.b}, DAdaptAdamOptions(c["lr"].get<double>())
                                   .weight_decay(c["weight_decay"])
                                   .d0(c["d0"])
                                   .growth_rate(golden_number(c["growth_rate"])));
  int step = 0;
  for (const auto& expected : c["trajectory"]) {
    ++step;
    pb.backward();
    opt.step();
    EXPECT_TRUE(matches(pb.w, pb.b, expected["x"])) << "step " << step;
  }
}

TEST(DAdaptAdam, SkipsTheStepWhileL1IsZero) {
  // A zero gradient leaves s = 0, so l1 = 0 and d^ would be 0/0: the step must be skipped with d,
  // the step count and the parameters untouched, and the first real gradient must then be step 1.
  torch::Tensor x = torch::full({3}, 1.5, torch::kDouble).requires_grad_();
  DAdaptAdam opt({x}, DAdaptAdamOptions().weight_decay(0.1).decouple(true).use_bias_correction(true));
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    x.mul(0).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({3}, 1.5, torch::kDouble)));
  EXPECT_EQ(opt.d(), 1e-6);
  EXPECT_EQ(opt.steps_taken(), 0);

  // The same optimizer fed a real gradient now behaves exactly like a fresh one.
  torch::Tensor y = torch::full({3}, 1.5, torch::kDouble).requires_grad_();
  DAdaptAdam fresh({y}, DAdaptAdamOptions().weight_decay(0.1).decouple(true).use_bias_correction(true));
  for (int i = 0; i < 4; ++i) {
    opt.zero_grad();
    fresh.zero_grad();
    x.pow(2).sum().backward();
    y.pow(2).sum().backward();
    opt.step();
    fresh.step();
  }
  EXPECT_TRUE(torch::allclose(x.detach(), y.detach(), 0, 0));
  EXPECT_EQ(opt.d(), fresh.d());
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
}

TEST(DAdaptAdam, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  DAdaptAdam opt({x});
  const int steps = 3000;
  for (int i = 0; i < steps; ++i) {
    opt.param_groups()[0].options().set_lr(1.0 - static_cast<double>(i) / steps);  // linear decay, as recommended
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(DAdaptAdam, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  DAdaptAdam opt({a, b}, DAdaptAdamOptions().weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(DAdaptAdam, StateSurvivesSaveLoad) {
  expect_resume_matches<DAdaptAdam>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<DAdaptAdam>(std::move(ps), DAdaptAdamOptions().weight_decay(0.1).d0(1e-3));
  });
}
