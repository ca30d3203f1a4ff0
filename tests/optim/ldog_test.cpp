// L-DoG and its polynomial-decay average against tests/golden/optim/gen_dog.py.
#include <gtest/gtest.h>

#include "optim/averaging.h"
#include "optim/dog.h"
#include "optim/lr_free_golden.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(LDoG, MatchesGoldenTrajectoryAndAverage) {
  const auto g = lr_free_golden("dog");
  for (const auto& c : g["ldog"]) {
    GoldenProblem pb(g);
    LDoG opt({pb.w, pb.b},
             LDoGOptions(c["lr"].get<double>()).reps_rel(c["reps_rel"]).eps(c["eps"]).weight_decay(c["weight_decay"]));
    PolynomialAverage average({pb.w, pb.b}, c["gamma"].get<double>());
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      average.update();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["x"])) << "step " << step;
      const torch::Tensor w_train = pb.w.detach().clone(), b_train = pb.b.detach().clone();
      average.swap_in();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["average"])) << "average at step " << step;
      average.swap_out();
      EXPECT_TRUE(torch::equal(pb.w.detach(), w_train) && torch::equal(pb.b.detach(), b_train))
          << "swap_out did not restore the training weights exactly at step " << step;
    }
  }
}

TEST(LDoG, ZeroFirstGradientIsGuardedByEps) {
  // G = ||g0||^2 + eps per tensor: a zero first gradient gives a finite (huge) eta times a zero step, then
  // ordinary steps; no NaN anywhere.
  torch::Tensor x = torch::full({4}, 2.0, torch::kDouble).requires_grad_();
  LDoG opt({x});
  x.mul(0).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({4}, 2.0, torch::kDouble)));
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    x.pow(2).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
}

TEST(LDoG, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  LDoG opt({x}, LDoGOptions().reps_rel(1e-4));
  for (int i = 0; i < 3000; ++i) {
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(LDoG, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  LDoG opt({a, b}, LDoGOptions().weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(LDoG, StateSurvivesSaveLoad) {
  expect_resume_matches<LDoG>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<LDoG>(std::move(ps), LDoGOptions().reps_rel(1e-2).weight_decay(0.01));
  });
}
