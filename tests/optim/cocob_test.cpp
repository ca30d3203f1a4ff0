// COCOB-Backprop against tests/golden/optim/gen_cocob.py.
#include <gtest/gtest.h>

#include "optim/cocob.h"
#include "optim/lr_free_golden.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(COCOB, MatchesGoldenTrajectory) {
  const auto g = lr_free_golden("cocob");
  for (const auto& c : g["cocob"]) {
    GoldenProblem pb(g);
    COCOB opt({pb.w, pb.b}, COCOBOptions(c["alpha"].get<double>()).eps(c["eps"]).weight_decay(c["weight_decay"]));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["x"])) << "step " << step;
    }
  }
}

TEST(COCOB, ZeroGradientsKeepTheDenominatorPositive) {
  torch::Tensor x = torch::full({3}, 0.5, torch::kDouble).requires_grad_();
  COCOB opt({x});
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    x.mul(0).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({3}, 0.5, torch::kDouble)));
}

TEST(COCOB, HasNoLearningRateToSchedule) {
  torch::Tensor x = torch::zeros({3}, torch::requires_grad());
  COCOB opt({x});
  EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 1.0);
  EXPECT_NO_THROW(opt.param_groups()[0].options().set_lr(1.0));
  EXPECT_THROW(opt.param_groups()[0].options().set_lr(0.5), c10::Error);
}

TEST(COCOB, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  COCOB opt({x});
  for (int i = 0; i < 3000; ++i) {
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-2);
}

TEST(COCOB, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  COCOB opt({a, b}, COCOBOptions().weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(COCOB, StateSurvivesSaveLoad) {
  expect_resume_matches<COCOB>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<COCOB>(std::move(ps), COCOBOptions().weight_decay(0.01));
  });
}
