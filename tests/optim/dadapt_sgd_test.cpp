// D-Adaptation SGD against tests/golden/optim/gen_dadapt.py, and its zero-gradient guards.
#include <gtest/gtest.h>

#include "optim/dadapt_sgd.h"
#include "optim/lr_free_golden.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(DAdaptSGD, MatchesGoldenTrajectory) {
  const auto g = lr_free_golden("dadapt");
  for (const auto& c : g["dadapt_sgd"]) {
    GoldenProblem pb(g);
    DAdaptSGD opt({pb.w, pb.b}, DAdaptSGDOptions(c["lr"].get<double>())
                                    .momentum(c["momentum"])
                                    .weight_decay(c["weight_decay"])
                                    .d0(c["d0"])
                                    .growth_rate(golden_number(c["growth_rate"]))
                                    .g0_norm_with_decay(c["g0_norm_with_decay"]));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["x"]))
          << "g0_norm_with_decay " << c["g0_norm_with_decay"] << " step " << step;
      EXPECT_TRUE(near_relative(opt.d(), expected["d"].get<double>())) << "d at step " << step;
    }
  }
}

TEST(DAdaptSGD, SkipsTheStepWhileTheGradientIsZero) {
  // ||g_0|| = 0 would make dlr infinite and ||s|| = 0 makes d^ = 0/0: such steps are skipped and the
  // first real gradient becomes g_0.
  torch::Tensor x = torch::full({3}, 1.5, torch::kDouble).requires_grad_();
  DAdaptSGD opt({x}, DAdaptSGDOptions().momentum(0.9));
  for (int i = 0; i < 2; ++i) {
    opt.zero_grad();
    x.mul(0).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({3}, 1.5, torch::kDouble)));
  EXPECT_EQ(opt.steps_taken(), 0);

  torch::Tensor y = torch::full({3}, 1.5, torch::kDouble).requires_grad_();
  DAdaptSGD fresh({y}, DAdaptSGDOptions().momentum(0.9));
  for (int i = 0; i < 4; ++i) {
    opt.zero_grad();
    fresh.zero_grad();
    x.pow(2).sum().backward();
    y.pow(2).sum().backward();
    opt.step();
    fresh.step();
  }
  EXPECT_TRUE(torch::allclose(x.detach(), y.detach(), 0, 0));
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
}

TEST(DAdaptSGD, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  DAdaptSGD opt({x}, DAdaptSGDOptions().momentum(0.9));
  const int steps = 3000;
  for (int i = 0; i < steps; ++i) {
    opt.param_groups()[0].options().set_lr(1.0 - static_cast<double>(i) / steps);
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(DAdaptSGD, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  DAdaptSGD opt({a, b}, DAdaptSGDOptions().weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(DAdaptSGD, StateSurvivesSaveLoad) {
  expect_resume_matches<DAdaptSGD>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<DAdaptSGD>(std::move(ps), DAdaptSGDOptions().momentum(0.9).d0(1e-3));
  });
}
