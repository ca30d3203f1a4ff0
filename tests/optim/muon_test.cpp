// Muon (matrix) + its AdamW groups (vector) against tests/golden/optim/gen_muon.py.
#include <algorithm>
#include <cmath>

#include "optim/muon.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Muon, MatchesGoldenTrajectory) {
  const auto g = load_golden("muon");
  const GoldenProblem problem(g);
  for (const auto& c : g["muon"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    const auto muon = MuonOptions(c["lr"].get<double>())
                          .momentum(c["momentum"])
                          .nesterov(c["nesterov"].get<bool>())
                          .weight_decay(c["weight_decay"]);
    const auto adamw = MuonOptions(c["adamw_lr"].get<double>())
                           .use_muon(false)
                           .adamw_beta1(c["adamw_beta1"])
                           .adamw_beta2(c["adamw_beta2"])
                           .adamw_eps(c["adamw_eps"])
                           .weight_decay(c["weight_decay"]);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{w}, std::make_unique<MuonOptions>(muon));
    groups.emplace_back(std::vector<torch::Tensor>{b}, std::make_unique<MuonOptions>(adamw));
    Muon opt(std::move(groups), muon);
    expect_trajectory(opt, problem, w, b, c["trajectory"]);
  }
}

TEST(Muon, NewtonSchulzMatchesGoldenOnATallMatrix) {
  const auto ns = load_golden("muon")["newton_schulz"];
  const torch::Tensor out = newton_schulz5(tensor2d(ns["input"]));
  EXPECT_TRUE(torch::allclose(out, tensor2d(ns["output"]), 1e-10, 1e-12)) << out;
  const torch::Tensor s = torch::linalg_svdvals(out);  // the ATen form: same signature in 1.13 and 2.x
  EXPECT_GT(s.min().item<double>(), 0.6);
  EXPECT_LT(s.max().item<double>(), 1.3);
}

// The update of a tall matrix (rows > cols) is scaled by max(1, rows/cols)^0.5 (Keller Jordan's
// "original" rule, torch.optim.Muon's default adjust_lr); a wide one is not. The golden's matrix is
// 3 x 4 (factor 1), so the factor is checked here: 5 x 3 gives sqrt(5/3).
TEST(Muon, ScalesTallMatricesBySqrtRowsOverCols) {
  for (const auto& shape : {std::vector<int64_t>{5, 3}, std::vector<int64_t>{3, 5}}) {
    torch::manual_seed(3);
    torch::Tensor w = torch::randn(shape, torch::kDouble).requires_grad_();
    Muon opt({w}, MuonOptions(0.1).nesterov(false).momentum(0));
    const torch::Tensor before = w.detach().clone();
    w.mutable_grad() = torch::randn(shape, torch::kDouble);
    opt.step();
    const double factor = std::sqrt(std::max(1.0, static_cast<double>(shape[0]) / static_cast<double>(shape[1])));
    const torch::Tensor expected = before - 0.1 * factor * newton_schulz5(w.grad());
    EXPECT_TRUE(torch::allclose(w.detach(), expected, 1e-12, 1e-12)) << shape[0] << " x " << shape[1];
  }
}

TEST(Muon, RejectsVectorsInAMuonGroup) { EXPECT_THROW(Muon({torch::zeros({3}, torch::requires_grad())}), c10::Error); }

TEST(Muon, FlattensConvWeights) {
  torch::Tensor k = torch::randn({4, 2, 3, 3}, torch::kDouble).requires_grad_();
  Muon opt({k}, MuonOptions(0.1).nesterov(false).momentum(0));
  const torch::Tensor before = k.detach().clone();
  k.mutable_grad() = torch::randn({4, 2, 3, 3}, torch::kDouble);
  opt.step();
  // momentum 0: the step is lr * NS5(g viewed as 4 x 18), reshaped back.
  const torch::Tensor expected = before - 0.1 * newton_schulz5(k.grad().reshape({4, 18})).reshape({4, 2, 3, 3});
  EXPECT_TRUE(torch::allclose(k.detach(), expected, 1e-12, 1e-12));
}

TEST(Muon, ConvergesOnQuadraticWithADecayingRate) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) {
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(std::vector<torch::Tensor>{p[0]}, std::make_unique<MuonOptions>(MuonOptions(0.05)));
        groups.emplace_back(std::vector<torch::Tensor>{p[1]},
                            std::make_unique<MuonOptions>(MuonOptions(0.05).use_muon(false)));
        return std::make_unique<Muon>(std::move(groups));
      },
      4000, std::make_shared<WarmupCosine>(4000, 0.0), 0.05);
  EXPECT_LT(error, 1e-3);
}

TEST(Muon, StateSurvivesSaveLoad) {
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{p[0]},
                        std::make_unique<MuonOptions>(MuonOptions(0.02).weight_decay(0.1)));
    groups.emplace_back(std::vector<torch::Tensor>{p[1]},
                        std::make_unique<MuonOptions>(MuonOptions(0.01).use_muon(false).weight_decay(0.1)));
    return std::make_unique<Muon>(std::move(groups));
  });
}

TEST(Muon, AcceptsAnEmptyMuonGroup) {
  // The muon submission always builds [Muon group, AdamW group]; a model without hidden matrices
  // leaves the first one empty.
  torch::Tensor b = torch::ones({3}, torch::kDouble).requires_grad_();
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{}, std::make_unique<MuonOptions>(MuonOptions(0.02)));
  groups.emplace_back(std::vector<torch::Tensor>{b}, std::make_unique<MuonOptions>(MuonOptions(0.01).use_muon(false)));
  Muon opt(std::move(groups));
  b.mutable_grad() = torch::ones({3}, torch::kDouble);
  opt.step();
  EXPECT_TRUE(torch::allclose(b.detach(), torch::full({3}, 0.99, torch::kDouble)));
}
