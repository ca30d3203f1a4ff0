// SGDMomentum (heavy ball and Nesterov) against tests/golden/optim/gen_sgd_momentum.py (itself
// checked against torch.optim.SGD).
#include "optim/optim_test_support.h"
#include "optim/sgd_momentum.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(SGDMomentum, MatchesGoldenTrajectory) {
  const auto g = load_golden("sgd_momentum");
  const GoldenProblem problem(g);
  for (const auto& c : g["sgd_momentum"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    SGDMomentum opt({w, b}, SGDMomentumOptions(c["lr"].get<double>())
                                .momentum(c["momentum"])
                                .weight_decay(c["weight_decay"])
                                .nesterov(c["nesterov"].get<bool>()));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(SGDMomentum, HeavyBallAndNesterovConvergeOnQuadratic) {
  for (bool nesterov : {false, true}) {
    const double error = minimise_quadratic(
        [&](std::vector<torch::Tensor> p) {
          return std::make_unique<SGDMomentum>(p, SGDMomentumOptions(0.05).momentum(0.9).nesterov(nesterov));
        },
        1000);
    EXPECT_LT(error, 1e-8) << (nesterov ? "nesterov" : "heavy ball");
  }
}

TEST(SGDMomentum, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  SGDMomentum opt({a, b}, SGDMomentumOptions(0.1).weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(SGDMomentum, StateSurvivesSaveLoad) {
  for (bool nesterov : {false, true})
    expect_state_survives_save_load([&](std::vector<torch::Tensor> p) {
      return std::make_unique<SGDMomentum>(p, SGDMomentumOptions(0.01).weight_decay(1e-3).nesterov(nesterov));
    });
}
