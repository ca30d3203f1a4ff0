// Adafactor against tests/golden/optim/gen_adafactor.py, and its epsilon guard.
#include "optim/adafactor.h"
#include "optim/optim_test_support.h"
#include "optim/state_key.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Adafactor, MatchesGoldenTrajectory) {
  const auto g = load_golden("adafactor");
  const GoldenProblem problem(g);
  for (const auto& c : g["adafactor"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    Adafactor opt({w, b}, AdafactorOptions(c["lr"].get<double>())
                              .beta1(c["beta1"])
                              .beta2(c["beta2"])
                              .eps(c["eps"])
                              .clip_threshold(c["clip_threshold"])
                              .weight_decay(c["weight_decay"]));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(Adafactor, FactorsOnlyTensorsWithTwoOrMoreDims) {
  torch::Tensor m = torch::ones({3, 4, 5}, torch::requires_grad()), v = torch::ones({5}, torch::requires_grad());
  Adafactor opt({m, v});
  (m.pow(2).sum() + v.pow(2).sum()).backward();
  opt.step();
  const auto& ms = static_cast<const AdafactorParamState&>(*opt.state().at(state_key(m)));
  EXPECT_EQ(ms.exp_avg_sq_row().sizes(), torch::IntArrayRef({3, 4}));
  EXPECT_EQ(ms.exp_avg_sq_col().sizes(), torch::IntArrayRef({3, 5}));
  EXPECT_EQ(ms.exp_avg_sq().numel(), 0);
  const auto& vs = static_cast<const AdafactorParamState&>(*opt.state().at(state_key(v)));
  EXPECT_EQ(vs.exp_avg_sq().sizes(), torch::IntArrayRef({5}));
  EXPECT_EQ(vs.exp_avg_sq_row().numel(), 0);
}

namespace {
// One step on a matrix whose gradient has an all-zero row and column (or is zero everywhere).
torch::Tensor step_with_zero_rows(double eps, bool all_zero) {
  torch::Tensor x = torch::ones({3, 4}, torch::kDouble).requires_grad_();
  Adafactor opt({x}, AdafactorOptions(0.1).eps(eps));
  torch::Tensor g = torch::arange(1, 13, torch::kDouble).reshape({3, 4});
  g.select(0, 1).zero_();
  g.select(1, 2).zero_();
  x.mutable_grad() = all_zero ? torch::zeros_like(g) : g;
  opt.step();
  return x.detach();
}
}  // namespace

TEST(Adafactor, EpsilonKeepsZeroGradientRowsFinite) {
  for (bool all_zero : {false, true}) {
    const torch::Tensor x = step_with_zero_rows(1e-30, all_zero);
    EXPECT_TRUE(torch::isfinite(x).all().item<bool>()) << x;
    EXPECT_TRUE(torch::equal(x.select(0, 1), torch::ones({4}, torch::kDouble)));  // zero gradient: no move
  }
  // Without the epsilon, 0 / sqrt(0) poisons the tensor: the guard is what keeps it finite.
  EXPECT_FALSE(torch::isfinite(step_with_zero_rows(0.0, false)).all().item<bool>());
  EXPECT_FALSE(torch::isfinite(step_with_zero_rows(0.0, true)).all().item<bool>());
}

TEST(Adafactor, ClipsUpdateRms) {
  // First step, no momentum: u = g / |g| elementwise (V = g^2 + eps), RMS(u) = 1; with threshold 0.5
  // the update is halved, so every coordinate moves by lr / 2.
  torch::Tensor x = torch::zeros({2, 3}, torch::kDouble).requires_grad_();
  Adafactor opt({x}, AdafactorOptions(0.1).beta1(0).clip_threshold(0.5));
  x.mutable_grad() = torch::full({2, 3}, 2.0, torch::kDouble);
  opt.step();
  EXPECT_TRUE(torch::allclose(x.detach(), torch::full({2, 3}, -0.05, torch::kDouble)));
}

TEST(Adafactor, ConvergesOnQuadratic) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) { return std::make_unique<Adafactor>(p, AdafactorOptions(0.05)); }, 3000,
      std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  EXPECT_LT(error, 1e-3);
}

TEST(Adafactor, StateSurvivesSaveLoad) {
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    return std::make_unique<Adafactor>(p, AdafactorOptions(0.01).weight_decay(0.01));
  });
}
