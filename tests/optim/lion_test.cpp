// Lion against tests/golden/optim/gen_lion.py.
#include "optim/lion.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Lion, MatchesGoldenTrajectory) {
  const auto g = load_golden("lion");
  const GoldenProblem problem(g);
  for (const auto& c : g["lion"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    Lion opt({w, b},
             LionOptions(c["lr"].get<double>()).beta1(c["beta1"]).beta2(c["beta2"]).weight_decay(c["weight_decay"]));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(Lion, EveryCoordinateMovesByTheLearningRate) {
  torch::Tensor x = torch::zeros({3}, torch::kDouble).requires_grad_();
  Lion opt({x}, LionOptions(0.1));
  x.mutable_grad() = torch::tensor({1e-6, -5.0, 2.0}, torch::kDouble);
  opt.step();
  EXPECT_TRUE(torch::allclose(x.detach(), torch::tensor({-0.1, 0.1, -0.1}, torch::kDouble)));
}

TEST(Lion, ConvergesOnQuadraticWithADecayingRate) {
  // A sign update oscillates at the scale of lr; the cosine schedule takes that to zero.
  const double error =
      minimise_quadratic([](std::vector<torch::Tensor> p) { return std::make_unique<Lion>(p, LionOptions(0.01)); },
                         4000, std::make_shared<WarmupCosine>(4000, 0.0), 0.01);
  EXPECT_LT(error, 1e-3);
}

TEST(Lion, StateSurvivesSaveLoad) {
  expect_state_survives_save_load(
      [](std::vector<torch::Tensor> p) { return std::make_unique<Lion>(p, LionOptions(0.01).weight_decay(0.5)); });
}
