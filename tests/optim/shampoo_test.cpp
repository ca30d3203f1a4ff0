// Shampoo against tests/golden/optim/gen_shampoo.py (merging, blocking, order-1/2/3 factors,
// grafting-only tensors), its layout, and the eigendecomposition failure path.
#include <cmath>

#include "optim/optim_test_support.h"
#include "optim/shampoo.h"
#include "optim/state_key.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(Shampoo, MatchesGoldenTrajectory) {
  const auto g = load_golden("shampoo");
  const GoldenProblem problem(g);
  const torch::Tensor t_star = tensor1d(g["TSTAR"]).reshape(g["T_shape"].get<std::vector<int64_t>>());
  for (const auto& c : g["shampoo"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    torch::Tensor t = tensor1d(g["T0"]).reshape(t_star.sizes()).requires_grad_();
    Shampoo opt({w, b, t}, ShampooOptions(c["lr"].get<double>())
                               .beta1(c["beta1"])
                               .beta2(c["beta2"])
                               .eps(c["eps"])
                               .weight_decay(c["weight_decay"])
                               .precondition_frequency(c["precondition_frequency"])
                               .max_preconditioner_dim(c["max_preconditioner_dim"])
                               .grafting_only_dim(c["grafting_only_dim"]));
    int step = 0;
    for (const auto& expected : c["trajectory"]) {
      ++step;
      opt.zero_grad();
      (problem.loss(w, b) + 0.5 * (t - t_star).pow(2).sum() + 0.1 * t.sum().pow(2)).backward();
      opt.step();
      for (const auto& [name, p] : {std::pair{"w", w}, std::pair{"b", b}, std::pair{"t", t}})
        EXPECT_TRUE(torch::allclose(p.detach().flatten(), tensor1d(expected[name]), 1e-9, 1e-11))
            << name << " after step " << step << ":\n"
            << p.detach().flatten() << "\nexpected\n"
            << tensor1d(expected[name]);
    }
    EXPECT_EQ(opt.root_failures(), 0);
  }
}

TEST(Shampoo, LayoutMergesSmallDimsAndBlocksLargeOnes) {
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(shampoo_layout({64, 64, 3, 3}, 1024).merged_shape, (Shape{64, 576}));
  EXPECT_EQ(shampoo_layout({2, 1, 3, 2}, 6).merged_shape, (Shape{6, 2}));
  EXPECT_EQ(shampoo_layout({1, 1}, 8).merged_shape, (Shape{1}));
  EXPECT_EQ(shampoo_layout({}, 8).merged_shape, (Shape{1}));
  EXPECT_EQ(shampoo_layout({3, 4}, 1024).merged_shape, (Shape{12}));
  const auto big = shampoo_layout({2048, 512}, 1024);
  EXPECT_EQ(big.merged_shape, (Shape{2048, 512}));
  ASSERT_EQ(big.blocks.size(), 2u);
  EXPECT_EQ(big.blocks[1].start, (Shape{1024, 0}));
  EXPECT_EQ(big.blocks[1].size, (Shape{1024, 512}));
  const auto ragged = shampoo_layout({2500}, 1024);
  ASSERT_EQ(ragged.blocks.size(), 3u);
  EXPECT_EQ(ragged.blocks[2].size, (Shape{452}));
  for (const auto& block : shampoo_layout({3000, 1500}, 1024).blocks)
    for (int64_t d : block.size) EXPECT_LE(d, 1024);
}

namespace {
void quadratic_step(Shampoo& opt, torch::Tensor& w) {
  opt.zero_grad();
  (w - torch::ones_like(w)).pow(2).sum().add(w.pow(4).sum()).backward();
  opt.step();
}
}  // namespace

TEST(Shampoo, KeepsThePreviousRootWhenTheEigendecompositionFails) {
  torch::manual_seed(0);
  torch::Tensor w = torch::randn({4, 3}).requires_grad_();  // float32: roots try fp32, then fp64
  Shampoo opt({w}, ShampooOptions(0.01).precondition_frequency(2));
  quadratic_step(opt, w);
  quadratic_step(opt, w);  // step 2: first roots
  auto& state = static_cast<ShampooParamState&>(*opt.state().at(state_key(w)));
  ASSERT_EQ(state.factors().size(), 1u);  // (4, 3) merges to one 12-vector block
  ASSERT_EQ(state.roots().size(), 1u);
  const torch::Tensor previous = state.roots()[0].clone();

  state.factors()[0].fill_(std::nan(""));  // a poisoned factor: eigh cannot succeed in any precision
  quadratic_step(opt, w);
  quadratic_step(opt, w);  // step 4: recompute fails in fp32, retries fp64, fails, keeps the old root
  EXPECT_EQ(opt.fp64_retries(), 1);
  EXPECT_EQ(opt.root_failures(), 1);
  EXPECT_TRUE(torch::equal(state.roots()[0], previous));
  EXPECT_TRUE(torch::isfinite(w).all().item<bool>());
}

TEST(Shampoo, UsesGraftingUntilTheFirstRootsSucceed) {
  torch::Tensor w = torch::linspace(-1, 1, 6, torch::kDouble).reshape({2, 3}).requires_grad_();
  torch::Tensor w_ref = w.detach().clone().requires_grad_();
  Shampoo opt({w}, ShampooOptions(0.01).precondition_frequency(2));
  Shampoo graft_only({w_ref}, ShampooOptions(0.01).precondition_frequency(2).grafting_only_dim(1));
  quadratic_step(opt, w);
  quadratic_step(graft_only, w_ref);
  static_cast<ShampooParamState&>(*opt.state().at(state_key(w))).factors()[0].fill_(INFINITY);
  for (int i = 0; i < 2; ++i) {  // steps 2 (the first roots, which fail) and 3
    quadratic_step(opt, w);
    quadratic_step(graft_only, w_ref);
  }
  EXPECT_EQ(opt.root_failures(), 1);
  EXPECT_EQ(opt.fp64_retries(), 0);  // a float64 factor is decomposed in fp64 straight away
  EXPECT_TRUE(static_cast<ShampooParamState&>(*opt.state().at(state_key(w))).roots().empty());
  EXPECT_TRUE(torch::allclose(w, w_ref, 0, 0));  // identical to the grafting-only run
}

TEST(Shampoo, TensorsWithAHugeDimUseGraftingOnly) {
  torch::Tensor emb = torch::zeros({8, 2}, torch::kDouble).requires_grad_();
  Shampoo opt({emb}, ShampooOptions(0.01).grafting_only_dim(8));
  emb.mutable_grad() = torch::ones({8, 2}, torch::kDouble);
  opt.step();
  EXPECT_TRUE(static_cast<ShampooParamState&>(*opt.state().at(state_key(emb))).factors().empty());
}

TEST(Shampoo, ConvergesOnQuadratic) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) {
        return std::make_unique<Shampoo>(p, ShampooOptions(0.05).precondition_frequency(10));
      },
      3000, std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  EXPECT_LT(error, 1e-3);
}

TEST(Shampoo, StateSurvivesSaveLoad) {
  // Frequency 2 and 3 steps before the checkpoint: the roots exist and travel with it.
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    return std::make_unique<Shampoo>(
        p, ShampooOptions(0.01).weight_decay(0.01).precondition_frequency(2).max_preconditioner_dim(2));
  });
}
