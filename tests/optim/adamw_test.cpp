// AdamW against tests/golden/optim/gen_adamw.py (itself checked against torch.optim.AdamW).
#include "optim/adamw.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(AdamW, MatchesGoldenTrajectory) {
  const auto g = load_golden("adamw");
  const GoldenProblem problem(g);
  for (const auto& c : g["adamw"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    AdamW opt({w, b}, AdamWOptions(c["lr"].get<double>())
                          .beta1(c["beta1"])
                          .beta2(c["beta2"])
                          .eps(c["eps"])
                          .weight_decay(c["weight_decay"]));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(AdamW, ConvergesOnQuadratic) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) { return std::make_unique<AdamW>(p, AdamWOptions(0.05).weight_decay(0)); }, 3000,
      std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  EXPECT_LT(error, 1e-4);
}

TEST(AdamW, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  AdamW opt({a, b}, AdamWOptions(0.1).weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));  // no grad: untouched, not even decayed
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(AdamW, StateSurvivesSaveLoad) {
  expect_state_survives_save_load(
      [](std::vector<torch::Tensor> p) { return std::make_unique<AdamW>(p, AdamWOptions(0.01).weight_decay(0.1)); });
}
