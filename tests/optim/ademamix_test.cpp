// AdEMAMix against tests/golden/optim/gen_ademamix.py (cross-checked there against apple/ml-ademamix and
// the copy AlgoPerf's 2026 self-tuning entry ran).
#include "optim/ademamix.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {

AdEMAMixOptions options_of(const nlohmann::json& c) {
  return AdEMAMixOptions(c["lr"].get<double>())
      .beta1(c["beta1"])
      .beta2(c["beta2"])
      .beta3(c["beta3"])
      .alpha(c["alpha"])
      .alpha_warmup(c["alpha_warmup"])
      .beta3_warmup(c["beta3_warmup"])
      .eps(c["eps"])
      .weight_decay(c["weight_decay"]);
}

}  // namespace

TEST(AdEMAMix, MatchesEveryGoldenTrajectory) {
  const auto g = load_golden("ademamix");
  const GoldenProblem problem(g);
  ASSERT_EQ(g["ademamix"].size(), 5u);
  for (const auto& c : g["ademamix"]) {
    SCOPED_TRACE(c.dump().substr(0, 160));
    torch::Tensor w = problem.w(), b = problem.b();
    AdEMAMix opt({w, b}, options_of(c));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(AdEMAMix, WarmupsMatchTheOfficialFunctions) {
  for (const auto& s : load_golden("ademamix")["warmups"]) {
    const auto ts = s["t"].get<std::vector<int64_t>>();
    const auto alphas = s["alpha"].get<std::vector<double>>(), betas = s["beta3"].get<std::vector<double>>();
    for (size_t i = 0; i < ts.size(); ++i) {
      EXPECT_NEAR(ademamix_alpha(ts[i], s["alpha"].get<double>(), s["warmup"].get<double>()), alphas[i], 1e-15)
          << "t=" << ts[i];
      EXPECT_NEAR(ademamix_beta3(ts[i], s["beta1"].get<double>(), s["beta3"].get<double>(), s["warmup"].get<double>()),
                  betas[i], 1e-15)
          << "t=" << ts[i];
    }
  }
}

TEST(AdEMAMix, NoWarmupMeansTheFinalValuesFromTheFirstStep) {
  EXPECT_EQ(ademamix_alpha(1, 8.0, 0.0), 8.0);
  EXPECT_EQ(ademamix_beta3(1, 0.9, 0.9999, 0.0), 0.9999);
  // Half-way through, in half-life space: beta3's half-life is the mean of those of beta1 and beta3 (the
  // official f adds 1e-8 to beta; its inverse 0.5^(1/(h+1)) does not).
  const auto official_f = [](double b) { return std::log(0.5) / std::log(b + 1e-8) - 1; };
  const auto half_life = [](double b) { return std::log(0.5) / std::log(b) - 1; };
  EXPECT_NEAR(half_life(ademamix_beta3(50, 0.9, 0.9999, 100)), 0.5 * (official_f(0.9) + official_f(0.9999)), 1e-6);
}

TEST(AdEMAMix, WithAlphaZeroItIsAdamW) {
  torch::Tensor a = torch::linspace(-1, 1, 6, torch::kDouble).requires_grad_(), b = a.detach().clone().requires_grad_();
  AdEMAMix ademamix({a}, AdEMAMixOptions(0.01).alpha(0.0).weight_decay(0.1));
  torch::optim::AdamW adamw({b}, torch::optim::AdamWOptions(0.01).weight_decay(0.1));
  for (int i = 0; i < 5; ++i) {
    for (auto* p : {&a, &b}) {
      if (p->grad().defined()) p->mutable_grad().zero_();
      (p->pow(3).sum() + p->sum()).backward();
    }
    ademamix.step();
    adamw.step();
  }
  EXPECT_TRUE(torch::allclose(a.detach(), b.detach(), 1e-12, 1e-14));
}

TEST(AdEMAMix, ConvergesOnQuadratic) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) {
        return std::make_unique<AdEMAMix>(p, AdEMAMixOptions(0.01).beta3(0.999).alpha(2.0));
      },
      3000, std::make_shared<WarmupCosine>(3000, 0.0), 0.01);
  EXPECT_LT(error, 1e-3);
}

TEST(AdEMAMix, StateSurvivesSaveLoadWithAndWithoutTheFastEma) {
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    return std::make_unique<AdEMAMix>(p, AdEMAMixOptions(0.01).alpha_warmup(5).beta3_warmup(5).weight_decay(0.1));
  });
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    return std::make_unique<AdEMAMix>(p, AdEMAMixOptions(0.01).beta1(0.0).alpha_warmup(5).beta3_warmup(5));
  });
}
