// SAM(AdamW) against tests/golden/optim/gen_sam.py; the wrapper forwards its lr and checkpoints the
// base optimizer's state with its own.
#include "optim/adamw.h"
#include "optim/optim_test_support.h"
#include "optim/sam.h"
#include "optim/sgd_momentum.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(SAM, MatchesGoldenTrajectory) {
  const auto g = load_golden("sam");
  const GoldenProblem problem(g);
  for (const auto& c : g["sam"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    SAM opt(std::make_unique<AdamW>(std::vector<torch::Tensor>{w, b}, AdamWOptions(c["lr"].get<double>())
                                                                          .beta1(c["beta1"])
                                                                          .beta2(c["beta2"])
                                                                          .eps(c["eps"])
                                                                          .weight_decay(c["weight_decay"])),
            SAMOptions(c["rho"].get<double>()));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      opt.zero_grad();
      problem.loss(w, b).backward();  // first pass: the gradient that sets the perturbation
      opt.step([&] {
        torch::Tensor loss = problem.loss(w, b);
        loss.backward();
        return loss;
      });
      EXPECT_TRUE(torch::allclose(w.detach().flatten(), tensor1d(expected["w"]), 1e-10, 1e-12)) << step;
      EXPECT_TRUE(torch::allclose(b.detach(), tensor1d(expected["b"]), 1e-10, 1e-12)) << step;
    }
  }
}

TEST(SAM, PerturbationIsRhoAlongTheNormalisedGradientAndIsUndone) {
  torch::Tensor x = torch::zeros({2}, torch::kDouble).requires_grad_();
  SAM opt(std::make_unique<SGDMomentum>(std::vector<torch::Tensor>{x}, SGDMomentumOptions(0.0).momentum(0)),
          SAMOptions(0.5));
  x.mutable_grad() = torch::tensor({3.0, 4.0}, torch::kDouble);
  opt.perturb();
  EXPECT_TRUE(torch::allclose(x.detach(), torch::tensor({0.3, 0.4}, torch::kDouble)));
  opt.restore_and_step();  // lr 0: only the restore moves x
  EXPECT_TRUE(torch::equal(x.detach(), torch::zeros({2}, torch::kDouble)));
}

// A zero gradient (a flat point, or a batch that leaves the loss constant) has no direction: the
// perturbation is 0, not 0/0, and the step is the base optimizer's own step.
TEST(SAM, ZeroGradientPerturbsNothing) {
  torch::Tensor x = torch::full({2}, 0.5, torch::kDouble).requires_grad_();
  SAM opt(std::make_unique<SGDMomentum>(std::vector<torch::Tensor>{x}, SGDMomentumOptions(0.1).momentum(0)),
          SAMOptions(0.5));
  x.mutable_grad() = torch::zeros({2}, torch::kDouble);
  opt.perturb();
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({2}, 0.5, torch::kDouble)));
  opt.restore_and_step();
  EXPECT_TRUE(torch::equal(x.detach(), torch::full({2}, 0.5, torch::kDouble)));
  // Through step(): the closure's gradient at the (unperturbed) point drives the base step.
  x.mutable_grad() = torch::zeros({2}, torch::kDouble);
  opt.step([&] {
    x.mutable_grad() = torch::ones({2}, torch::kDouble);
    return torch::Tensor();
  });
  EXPECT_TRUE(torch::isfinite(x.detach()).all().item<bool>());
  EXPECT_TRUE(torch::allclose(x.detach(), torch::full({2}, 0.4, torch::kDouble), 0, 1e-15));
}

TEST(SAM, ForwardsItsLearningRateToTheBase) {
  torch::Tensor x = torch::zeros({1}, torch::kDouble).requires_grad_();
  SAM opt(std::make_unique<SGDMomentum>(std::vector<torch::Tensor>{x}, SGDMomentumOptions(1.0).momentum(0)),
          SAMOptions(0.0));
  EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 1.0);  // taken from the base on construction
  opt.param_groups()[0].options().set_lr(0.25);
  x.mutable_grad() = torch::ones({1}, torch::kDouble);
  opt.step([&] {
    x.mutable_grad() = torch::ones({1}, torch::kDouble);
    return torch::Tensor();
  });
  EXPECT_DOUBLE_EQ(x.item<double>(), -0.25);
}

TEST(SAM, RequiresAClosure) {
  torch::Tensor x = torch::zeros({1}, torch::requires_grad());
  SAM opt(std::make_unique<AdamW>(std::vector<torch::Tensor>{x}), SAMOptions(0.05));
  EXPECT_THROW(opt.step(), c10::Error);
}

TEST(SAM, ConvergesNearTheMinimumOfAQuadratic) {
  // On a quadratic SAM's fixed point sits within about rho of the minimiser.
  const Quadratic q;
  torch::Tensor w = torch::zeros({4, 3}, torch::kDouble).requires_grad_(),
                b = torch::zeros({3}, torch::kDouble).requires_grad_();
  SAM opt(std::make_unique<AdamW>(std::vector<torch::Tensor>{w, b}, AdamWOptions(0.05).weight_decay(0)),
          SAMOptions(1e-3));
  ScheduledLr lr(opt, std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  for (int t = 0; t < 3000; ++t) {
    lr.apply(t);
    opt.zero_grad();
    q.loss(w, b).backward();
    opt.step([&] {
      torch::Tensor loss = q.loss(w, b);
      loss.backward();
      return loss;
    });
  }
  EXPECT_LT((w - q.W_star).abs().max().item<double>(), 3e-3);
  EXPECT_LT((b - q.b_star).abs().max().item<double>(), 3e-3);
}

TEST(SAM, StateSurvivesSaveLoad) {
  // step() without a closure throws, so drive SAM through a wrapper that recomputes the same loss.
  struct ClosedSAM : SAM {
    using SAM::SAM;
    std::vector<torch::Tensor> p;
    torch::Tensor step(LossClosure) override {
      return SAM::step([this] {
        torch::Tensor loss = p[0].pow(3).sum() + (p[0].sum(1) * p[1]).sum() + p[1].pow(2).sum();
        loss.backward();
        return loss;
      });
    }
  };
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    auto opt =
        std::make_unique<ClosedSAM>(std::make_unique<AdamW>(p, AdamWOptions(0.01).weight_decay(0.1)), SAMOptions(0.05));
    opt->p = p;
    return opt;
  });
}
