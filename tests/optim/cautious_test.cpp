// The cautious forms of AdamW and NAdamW against tests/golden/optim/gen_cautious.py (cross-checked there
// against kyleliang919/C-Optim's C-AdamW and AlgoPerf's 2026 Cautious NAdamW entry).
#include "optim/adamw.h"
#include "optim/cautious.h"
#include "optim/nadamw.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Cautious, AdamWMatchesEveryGoldenTrajectory) {
  const auto g = load_golden("cautious");
  const GoldenProblem problem(g);
  ASSERT_EQ(g["cautious_adamw"].size(), 2u);
  for (const auto& c : g["cautious_adamw"]) {
    ASSERT_GT(c["masked"].get<int>(), 0);  // the case masks coordinates: the mask is under test
    torch::Tensor w = problem.w(), b = problem.b();
    AdamW opt({w, b}, AdamWOptions(c["lr"].get<double>())
                          .beta1(c["beta1"])
                          .beta2(c["beta2"])
                          .eps(c["eps"])
                          .weight_decay(c["weight_decay"])
                          .cautious(true));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(Cautious, NAdamWMatchesEveryGoldenTrajectory) {
  const auto g = load_golden("cautious");
  const GoldenProblem problem(g);
  ASSERT_EQ(g["cautious_nadamw"].size(), 2u);
  for (const auto& c : g["cautious_nadamw"]) {
    ASSERT_GT(c["masked"].get<int>(), 0);
    torch::Tensor w = problem.w(), b = problem.b();
    NAdamW opt({w, b}, NAdamWOptions(c["lr"].get<double>())
                           .beta1(c["beta1"])
                           .beta2(c["beta2"])
                           .eps(c["eps"])
                           .weight_decay(c["weight_decay"])
                           .cautious(true));
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(Cautious, MaskDropsDisagreeingCoordinatesAndRescalesByTheFractionKept) {
  const torch::Tensor u = torch::tensor({1.0, -2.0, 3.0, -4.0}, torch::kDouble);
  const torch::Tensor g = torch::tensor({0.5, 1.0, 0.0, -1.0}, torch::kDouble);  // agree, disagree, zero, agree
  EXPECT_TRUE(torch::equal(cautious_mask(u, g), torch::tensor({2.0, 0.0, 0.0, 2.0}, torch::kDouble)));
  // Nothing agrees: the mean is clipped at 1e-3 and the update is all zeros, not NaN.
  const torch::Tensor none = cautious_mask(u, -u);
  EXPECT_TRUE(torch::equal(none, torch::zeros({4}, torch::kDouble)));
}

TEST(Cautious, OffByDefaultAndTheDecayIsNotMasked) {
  EXPECT_FALSE(AdamWOptions().cautious());
  EXPECT_FALSE(NAdamWOptions().cautious());
  // m and g disagree everywhere at step 2 (the gradient flips sign): only the decay moves x.
  for (bool nadam : {false, true}) {
    torch::Tensor x = torch::ones({3}, torch::kDouble).requires_grad_();
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (nadam)
      opt = std::make_unique<NAdamW>(std::vector<torch::Tensor>{x},
                                     NAdamWOptions(0.1).beta1(0.99).weight_decay(0.5).cautious(true));
    else
      opt = std::make_unique<AdamW>(std::vector<torch::Tensor>{x},
                                    AdamWOptions(0.1).beta1(0.99).weight_decay(0.5).cautious(true));
    x.mutable_grad() = torch::full({3}, 1.0, torch::kDouble);
    opt->step();
    const torch::Tensor after_first = x.detach().clone();
    x.mutable_grad() = torch::full({3}, -1e-3, torch::kDouble);
    opt->step();
    EXPECT_TRUE(torch::allclose(x.detach(), after_first * (1 - 0.1 * 0.5), 0, 1e-15)) << (nadam ? "nadamw" : "adamw");
  }
}
