// SOAP against tests/golden/optim/gen_soap.py (first step builds the basis only; QR refreshes).
#include "optim/optim_test_support.h"
#include "optim/soap.h"
#include "optim/state_key.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(SOAP, MatchesGoldenTrajectory) {
  const auto g = load_golden("soap");
  const GoldenProblem problem(g);
  for (const auto& c : g["soap"]) {
    torch::Tensor w = problem.w(), b = problem.b();
    SOAP opt({w, b}, SOAPOptions(c["lr"].get<double>())
                         .beta1(c["beta1"])
                         .beta2(c["beta2"])
                         .shampoo_beta(c["shampoo_beta"])
                         .eps(c["eps"])
                         .weight_decay(c["weight_decay"])
                         .precondition_frequency(c["precondition_frequency"]));
    // The eigenbases come from LAPACK (MKL inside libtorch_cpu), whose code path follows the CPU: the
    // same generator run on an AVX-512 machine and on the one that wrote soap.json differs by up to
    // 5.7e-8 relative (6.8e-10 absolute) over the trajectories. A wrong update is off by far more.
    expect_trajectory(opt, problem, w, b, c["trajectory"], 1e-6, 1e-9);
  }
}

TEST(SOAP, FirstStepOnlyBuildsTheBasis) {
  torch::Tensor w = torch::ones({3, 2}, torch::kDouble).requires_grad_();
  SOAP opt({w});
  w.mutable_grad() = torch::arange(6, torch::kDouble).reshape({3, 2});
  opt.step();
  EXPECT_TRUE(torch::equal(w.detach(), torch::ones({3, 2}, torch::kDouble)));
  const auto& s = static_cast<const SOAPParamState&>(*opt.state().at(state_key(w)));
  ASSERT_EQ(s.q().size(), 2u);
  EXPECT_TRUE(torch::allclose(s.q()[0].t().mm(s.q()[0]), torch::eye(3, torch::kDouble), 0, 1e-12));
  opt.step();
  EXPECT_FALSE(torch::equal(w.detach(), torch::ones({3, 2}, torch::kDouble)));
}

TEST(SOAP, LeavesLargeDimsAndVectorsUnrotated) {
  torch::Tensor w = torch::ones({2, 5}, torch::kDouble).requires_grad_(),
                v = torch::ones({4}, torch::kDouble).requires_grad_();
  SOAP opt({w, v}, SOAPOptions().max_precond_dim(4));
  w.mutable_grad() = torch::ones({2, 5}, torch::kDouble);
  v.mutable_grad() = torch::ones({4}, torch::kDouble);
  opt.step();
  const auto& sw = static_cast<const SOAPParamState&>(*opt.state().at(state_key(w)));
  EXPECT_EQ(sw.q()[0].sizes(), torch::IntArrayRef({2, 2}));
  EXPECT_EQ(sw.q()[1].numel(), 0);  // 5 > max_precond_dim
  EXPECT_EQ(static_cast<const SOAPParamState&>(*opt.state().at(state_key(v))).q()[0].numel(), 0);
}

TEST(SOAP, ConvergesOnQuadratic) {
  const double error = minimise_quadratic(
      [](std::vector<torch::Tensor> p) { return std::make_unique<SOAP>(p, SOAPOptions(0.05).weight_decay(0)); }, 3000,
      std::make_shared<WarmupCosine>(3000, 0.0), 0.05);
  EXPECT_LT(error, 1e-3);
}

TEST(SOAP, StateSurvivesSaveLoad) {
  // Frequency 2 with 3 steps before and after the checkpoint: the QR refresh happens on both sides.
  expect_state_survives_save_load([](std::vector<torch::Tensor> p) {
    return std::make_unique<SOAP>(p, SOAPOptions(0.01).precondition_frequency(2));
  });
}
