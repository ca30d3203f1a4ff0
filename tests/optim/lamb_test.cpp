// LAMB against tests/golden/optim/gen_lamb.py, and its zero-norm trust-ratio guard.
#include "optim/lamb.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(LAMB, MatchesGoldenTrajectory) {
  const auto g = load_golden("lamb");
  const GoldenProblem problem(g);
  for (const auto& c : g["lamb"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    if (c["zero_bias"].get<bool>()) b = torch::zeros_like(problem.B0).requires_grad_();
    LAMB opt({w, b}, LAMBOptions(c["lr"].get<double>())
                         .beta1(c["beta1"])
                         .beta2(c["beta2"])
                         .eps(c["eps"])
                         .weight_decay(c["weight_decay"]));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(LAMB, TrustRatioIsOneWhenEitherNormIsZero) {
  const torch::Tensor x = torch::tensor({3.0, 4.0}), u = torch::tensor({0.0, 0.5});
  EXPECT_DOUBLE_EQ(lamb_trust_ratio(x, u).item<double>(), 10.0);
  EXPECT_DOUBLE_EQ(lamb_trust_ratio(torch::zeros({2}), u).item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(lamb_trust_ratio(x, torch::zeros({2})).item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(lamb_trust_ratio(torch::zeros({2}), torch::zeros({2})).item<double>(), 1.0);
}

TEST(LAMB, ZeroInitialisedTensorStillMoves) {
  // ||x|| = 0: a trust ratio of ||x|| / ||u|| would freeze the tensor at zero forever.
  torch::Tensor x = torch::zeros({4}, torch::requires_grad());
  LAMB opt({x}, LAMBOptions(0.1));
  (x - torch::ones({4})).pow(2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
  EXPECT_GT(x.detach().abs().min().item<double>(), 0.0);
}

TEST(LAMB, ZeroGradientDoesNotProduceNaN) {
  torch::Tensor x = torch::ones({4}, torch::requires_grad());
  LAMB opt({x}, LAMBOptions(0.1));
  x.mutable_grad() = torch::zeros({4});
  opt.step();
  EXPECT_TRUE(torch::equal(x.detach(), torch::ones({4})));
}

TEST(LAMB, ConvergesOnQuadratic) {
  const double error =
      minimise_quadratic([](std::vector<torch::Tensor> p) { return std::make_unique<LAMB>(p, LAMBOptions(0.05)); },
                         3000, std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  EXPECT_LT(error, 1e-3);
}

TEST(LAMB, StateSurvivesSaveLoad) {
  expect_state_survives_save_load(
      [](std::vector<torch::Tensor> p) { return std::make_unique<LAMB>(p, LAMBOptions(0.01).weight_decay(0.01)); });
}
