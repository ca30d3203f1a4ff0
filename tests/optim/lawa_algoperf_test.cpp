// AlgoPerf v0.5's weight averages (lawa_queue, lawa_ema) against tests/golden/optim/gen_lawa_algoperf.py,
// which runs those submissions' own update_params: the training weights recorded after each of their
// optimizer steps are fed to trainperf's averages, whose evaluated weights must equal what AlgoPerf's
// calls returned.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "optim/averaging.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {

void expect_algoperf_sequence(WeightAverage& avg, torch::Tensor& w, torch::Tensor& b, const nlohmann::json& calls) {
  torch::NoGradGuard no_grad;
  int call = 0;
  for (const auto& c : calls) {
    ++call;
    for (const auto& x : c["train"]) {
      w.copy_(tensor1d(x["w"]).reshape(w.sizes()));
      b.copy_(tensor1d(x["b"]));
      avg.update();
    }
    const torch::Tensor w_train = w.clone(), b_train = b.clone();
    avg.swap_in();
    EXPECT_TRUE(torch::allclose(w.flatten(), tensor1d(c["eval"]["w"]), 0, 1e-15)) << "evaluated w after call " << call;
    EXPECT_TRUE(torch::allclose(b, tensor1d(c["eval"]["b"]), 0, 1e-15)) << "evaluated b after call " << call;
    avg.swap_out();
    EXPECT_TRUE(torch::equal(w, w_train) && torch::equal(b, b_train)) << "training weights after call " << call;
  }
}

int64_t ceil_of(double x) { return static_cast<int64_t>(std::ceil(x)); }

}  // namespace

TEST(AlgoPerfLawa, QueueMatchesTheSubmissionsOwnCode) {
  const auto g = load_golden("lawa_algoperf");
  const GoldenProblem problem(g);
  const auto& c = g["lawa_queue"];
  const auto& h = c["hyperparameters"];
  const double hint = c["step_hint"].get<double>();
  torch::Tensor w = problem.W0.clone(), b = problem.B0.clone();
  LawaAverage avg({w, b}, h["k"].get<int64_t>(), ceil_of(hint * h["lawa_interval_scaling"].get<double>()),
                  LawaForm::algoperf, ceil_of(hint * h["lawa_start_factor"].get<double>()));
  expect_algoperf_sequence(avg, w, b, c["calls"]);
}

TEST(AlgoPerfLawa, QueueUsesTheTrainingWeightsUntilFullWhereTrainperfAveragesWhatItHas) {
  torch::Tensor p = torch::zeros({1}, torch::kDouble);
  LawaAverage algoperf({p}, 3, 1, LawaForm::algoperf, 0), ours({p}, 3, 1);
  torch::NoGradGuard no_grad;
  for (double v : {1.0, 2.0}) {
    p.fill_(v);
    algoperf.update();
    ours.update();
  }
  algoperf.swap_in();
  EXPECT_EQ(p.item<double>(), 2.0);  // two of three snapshots: still the training weights
  algoperf.swap_out();
  ours.swap_in();
  EXPECT_EQ(p.item<double>(), 1.5);
  ours.swap_out();
}

TEST(AlgoPerfLawa, EmaMatchesTheSubmissionsOwnCode) {
  const auto g = load_golden("lawa_algoperf");
  const GoldenProblem problem(g);
  const auto& c = g["lawa_ema"];
  const auto& h = c["hyperparameters"];
  const double hint = c["step_hint"].get<double>();
  torch::Tensor w = problem.W0.clone(), b = problem.B0.clone();
  // The submission's beta is int(lawa_beta).
  LawaEmaAverage avg({w, b}, std::trunc(h["lawa_beta"].get<double>()),
                     ceil_of(hint * h["lawa_interval_scaling"].get<double>()),
                     ceil_of(hint * h["lawa_start_factor"].get<double>()));
  expect_algoperf_sequence(avg, w, b, c["calls"]);
}

TEST(AlgoPerfLawa, EmaWithANonzeroBetaAndItsCheckpoint) {
  torch::Tensor p = torch::zeros({1}, torch::kDouble), q = torch::zeros({1}, torch::kDouble);
  LawaEmaAverage a({p}, 0.5, 2, 1), b({q}, 0.5, 2, 1);  // snapshots after steps 2, 4, 6, ...
  torch::NoGradGuard no_grad;
  for (double v : {1.0, 2.0, 3.0, 4.0}) {
    p.fill_(v);
    a.update();
  }
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    a.save(archive);
    archive.save_to(buffer);
  }
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    b.load(archive);
  }
  for (auto* avg : {&a, &b}) {
    torch::Tensor& x = avg == &a ? p : q;
    x.fill_(5.0);
    avg->update();  // step 5: no snapshot
    avg->swap_in();
    EXPECT_EQ(x.item<double>(), 0.5 * 2.0 + 0.5 * 4.0);
    avg->swap_out();
  }
}
