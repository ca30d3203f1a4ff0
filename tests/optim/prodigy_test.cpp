// Prodigy against tests/golden/optim/gen_prodigy.py, its non-decreasing d and its denominator guard.
#include <gtest/gtest.h>

#include "optim/lr_free_golden.h"
#include "optim/prodigy.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Prodigy, MatchesGoldenTrajectory) {
  const auto g = lr_free_golden("prodigy");
  for (const auto& c : g["prodigy"]) {
    GoldenProblem pb(g);
    ProdigyOptions o = ProdigyOptions(c["lr"].get<double>())
                           .beta1(c["beta1"])
                           .beta2(c["beta2"])
                           .eps(c["eps"])
                           .weight_decay(c["weight_decay"])
                           .decouple(c["decouple"])
                           .use_bias_correction(c["use_bias_correction"])
                           .safeguard_warmup(c["safeguard_warmup"])
                           .d0(c["d0"])
                           .d_coef(c["d_coef"])
                           .growth_rate(golden_number(c["growth_rate"]))
                           .cap_first_increase(c["cap_first_increase"]);
    if (!c["beta3"].is_null()) o.beta3(c["beta3"].get<double>());
    Prodigy opt({pb.w, pb.b}, o);
    int step = 0;
    double previous_d = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      pb.backward();
      opt.step();
      EXPECT_TRUE(matches(pb.w, pb.b, expected["x"]))
          << "cap_first_increase " << c["cap_first_increase"] << " step " << step;
      EXPECT_TRUE(near_relative(opt.d(), expected["d"].get<double>())) << "d at step " << step;
      EXPECT_GE(opt.d(), previous_d) << "d decreased at step " << step;
      previous_d = opt.d();
    }
  }
}

TEST(Prodigy, SkipsTheStepWhileTheDenominatorIsZero) {
  torch::Tensor x = torch::full({3}, 1.5, torch::kDouble).requires_grad_();
  Prodigy opt({x}, ProdigyOptions().weight_decay(0.1).safeguard_warmup(true));
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    x.mul(0).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({3}, 1.5, torch::kDouble)));
  EXPECT_EQ(opt.d(), 1e-6);
  EXPECT_EQ(opt.steps_taken(), 0);
  for (int i = 0; i < 4; ++i) {
    opt.zero_grad();
    x.pow(2).sum().backward();
    opt.step();
  }
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
  EXPECT_EQ(opt.steps_taken(), 4);
}

TEST(Prodigy, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  const torch::Tensor target = torch::randn({20}, torch::kDouble),
                      scale = torch::linspace(0.5, 5.0, 20, torch::kDouble);
  torch::Tensor x = torch::zeros({20}, torch::kDouble).requires_grad_();
  Prodigy opt({x});
  const int steps = 3000;
  for (int i = 0; i < steps; ++i) {
    opt.param_groups()[0].options().set_lr(1.0 - static_cast<double>(i) / steps);
    opt.zero_grad();
    (scale * (x - target).pow(2)).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(Prodigy, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  Prodigy opt({a, b}, ProdigyOptions().weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(Prodigy, StateSurvivesSaveLoad) {
  expect_resume_matches<Prodigy>([](std::vector<torch::Tensor> ps) {
    return std::make_unique<Prodigy>(std::move(ps), ProdigyOptions().weight_decay(0.1).d0(1e-3).beta3(0.9));
  });
}
