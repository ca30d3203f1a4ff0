// Mechanic wrapping LibTorch's SGD and Adam against tests/golden/optim/gen_mechanic.py (which wraps
// torch.optim's SGD and Adam): the equations, and as_mechanic_pytorch (+ store_delta = false), which the
// generator checks against optimizedlearning/mechanic's mechanize.
#include <gtest/gtest.h>

#include <cmath>

#include "optim/lr_free_golden.h"
#include "optim/mechanic.h"
#include "optim/nadamw.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {
OptimizerFactory base_from(const std::string& name) {
  if (name == "sgd")
    return [](std::vector<torch::Tensor> ps) {
      return std::make_unique<torch::optim::SGD>(ps, torch::optim::SGDOptions(1.0));
    };
  return [](std::vector<torch::Tensor> ps) {
    return std::make_unique<torch::optim::Adam>(ps, torch::optim::AdamOptions(1.0));
  };
}
}  // namespace

TEST(Mechanic, MatchesGoldenTrajectory) {
  const auto g = lr_free_golden("mechanic");
  for (const auto& c : g["mechanic"]) {
    GoldenProblem pb(g);
    // The base's own lr is overwritten by Mechanic's lr before every base step.
    Mechanic opt({pb.w, pb.b}, MechanicOptions(c["lr"].get<double>())
                                   .weight_decay(c["weight_decay"])
                                   .s_init(c["s_init"])
                                   .eps(c["eps"])
                                   .num_betas(c["num_betas"].get<int64_t>())
                                   .store_delta(c["store_delta"])
                                   .as_mechanic_pytorch(c["as_mechanic_pytorch"])
                                   .base(base_from(c["base"])));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      // Compare the displacement from the start: the scale is tiny in the first steps.
      const torch::Tensor dw = pb.w.detach().flatten() - pb.W0.flatten(), db = pb.b.detach() - pb.B0;
      const torch::Tensor ew = golden_1d(expected["x"]["w"]) - pb.W0.flatten(),
                          eb = golden_1d(expected["x"]["b"]) - pb.B0;
      EXPECT_TRUE(torch::allclose(dw, ew, 1e-7, 1e-15) && torch::allclose(db, eb, 1e-7, 1e-15))
          << c["base"] << " as_mechanic_pytorch " << c["as_mechanic_pytorch"] << " step " << step;
      EXPECT_TRUE(near_relative(opt.scale().item<double>(), expected["scale"].get<double>(), 1e-8))
          << c["base"] << " scale at step " << step;
    }
  }
}

// mechanic_pytorch's first step: h = 0, so s_j = b_j 1e-6 (s_init / n) / eps, S about 100 s_init (the
// equations give S = 0 and leave x at x_ref).
TEST(Mechanic, PytorchPackageFormScalesTheFirstStep) {
  torch::Tensor x = torch::ones({3}, torch::kDouble).requires_grad_();
  Mechanic opt({x}, MechanicOptions(0.1).s_init(1e-8).as_mechanic_pytorch(true).store_delta(false).base(base_from("sgd")));
  (x * x).sum().backward();
  opt.step();
  double expected = 0;
  for (int j = 1; j <= 6; ++j) expected += (1.0 - std::pow(10.0, -j)) * 1e-6 * (1e-8 / 6) / 1e-8;
  EXPECT_NEAR(opt.scale().item<double>(), expected, 1e-15);
  EXPECT_TRUE(torch::allclose(x.detach(), torch::full({3}, 1.0 - 0.2 * expected, torch::kDouble), 0, 1e-15));
}

TEST(Mechanic, ZeroParametersDoNotDivideByZero) {
  torch::Tensor x = torch::zeros({4}, torch::kDouble).requires_grad_();
  Mechanic opt({x}, MechanicOptions(0.1).base(base_from("sgd")));
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    (x - 1.0).pow(2).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
  EXPECT_TRUE(std::isfinite(opt.scale().item<double>()));
}

TEST(Mechanic, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  Mechanic opt({x}, MechanicOptions(1.0));  // default base: NAdamW
  const int steps = 3000;
  for (int i = 0; i < steps; ++i) {
    opt.param_groups()[0].options().set_lr(1.0 - static_cast<double>(i) / steps);
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(Mechanic, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  Mechanic opt({a, b}, MechanicOptions(0.1).s_init(1e-2));
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    (a * 2).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(Mechanic, StateSurvivesSaveLoadIncludingTheBase) {
  expect_resume_matches<Mechanic>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<Mechanic>(std::move(ps), MechanicOptions(0.05).s_init(1e-3));
  });
}

TEST(Mechanic, StateSurvivesSaveLoadWithoutStoredDelta) {
  expect_resume_matches<Mechanic>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<Mechanic>(std::move(ps),
                                      MechanicOptions(0.05).s_init(1e-3).store_delta(false).as_mechanic_pytorch(true));
  });
}
