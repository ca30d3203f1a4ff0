// EMA, LAWA and the polynomial-decay average against hand-computed values; exact swap-out.
#include <gtest/gtest.h>

#include <sstream>

#include "optim/averaging.h"

using namespace trainperf;

namespace {
// Drive an average with the parameter taking the given values after each "update".
double average_after(WeightAverage& avg, torch::Tensor& p, const std::vector<double>& values) {
  torch::NoGradGuard no_grad;
  for (double v : values) {
    p.fill_(v);
    avg.update();
  }
  avg.swap_in();
  const double out = p.item<double>();
  avg.swap_out();
  return out;
}
}  // namespace

TEST(EmaAverage, MatchesHandComputedValues) {
  // decay 0.2, d_t = min(0.2, (1+t)/(10+t)): d_1 = 2/11, then 0.2. a_0 = x_0 = 0.
  //   x = 1: a_1 = (2/11) 0 + (9/11) 1 = 9/11;  x = 2: a_2 = 0.2 (9/11) + 0.8 (2) = 97/55
  //   x = 4: a_3 = 0.2 (97/55) + 0.8 (4) = 977/275
  torch::Tensor p = torch::zeros({1}, torch::kDouble);
  EmaAverage ema({p}, 0.2);
  EXPECT_DOUBLE_EQ(ema.decay_at(1), 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(ema.decay_at(2), 0.2);
  EXPECT_NEAR(average_after(ema, p, {1.0}), 9.0 / 11.0, 1e-15);
  EXPECT_NEAR(average_after(ema, p, {2.0}), 97.0 / 55.0, 1e-15);
  EXPECT_NEAR(average_after(ema, p, {4.0}), 977.0 / 275.0, 1e-15);
  EXPECT_EQ(p.item<double>(), 4.0);  // swapped out: the training value
}

TEST(LawaAverage, MatchesHandComputedValues) {
  // k = 2 snapshots, one every 2 updates; the parameter equals t after update t.
  torch::Tensor p = torch::zeros({1}, torch::kDouble);
  LawaAverage lawa({p}, 2, 2);
  EXPECT_EQ(average_after(lawa, p, {1.0}), 1.0);       // no snapshot yet: the training weights
  EXPECT_EQ(average_after(lawa, p, {2.0}), 2.0);       // snapshot {2}
  EXPECT_EQ(average_after(lawa, p, {3.0, 4.0}), 3.0);  // {2, 4}
  EXPECT_EQ(average_after(lawa, p, {5.0}), 3.0);       // update 5 takes no snapshot
  EXPECT_EQ(average_after(lawa, p, {6.0}), 5.0);       // {4, 6}: the oldest dropped
  EXPECT_EQ(lawa.num_snapshots(), 2);
}

TEST(PolynomialAverage, MatchesHandComputedValues) {
  // gamma = 8, c_t = 9 / (t + 8): c_1 = 1, c_2 = 0.9, c_3 = 9/11.
  //   x = 1: a_1 = 1;  x = 2: a_2 = 0.1 + 1.8 = 1.9;  x = 4: a_3 = (2/11) 1.9 + (9/11) 4 = 39.8/11
  torch::Tensor p = torch::zeros({1}, torch::kDouble);
  PolynomialAverage avg({p}, 8.0);
  EXPECT_NEAR(average_after(avg, p, {1.0}), 1.0, 1e-15);
  EXPECT_NEAR(average_after(avg, p, {2.0}), 1.9, 1e-15);
  EXPECT_NEAR(average_after(avg, p, {4.0}), 39.8 / 11.0, 1e-14);
}

TEST(WeightAverage, SwapOutRestoresTrainingWeightsExactly) {
  torch::manual_seed(3);
  torch::Tensor w = torch::randn({5, 3}), b = torch::randn({3});
  EmaAverage ema({w, b}, 0.9);
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 7; ++i) {
    w.add_(torch::randn({5, 3}) * 0.1);
    b.add_(torch::randn({3}) * 0.1);
    ema.update();
  }
  const torch::Tensor w_train = w.clone(), b_train = b.clone();
  ema.swap_in();
  ema.swap_in();  // idempotent
  EXPECT_FALSE(torch::equal(w, w_train));
  EXPECT_THROW(ema.update(), c10::Error);  // folding in the average itself would be a bug
  ema.swap_out();
  ema.swap_out();
  EXPECT_TRUE(torch::equal(w, w_train));
  EXPECT_TRUE(torch::equal(b, b_train));
}

TEST(WeightAverage, StateSurvivesSaveLoad) {
  torch::Tensor p = torch::zeros({1}, torch::kDouble);
  LawaAverage a({p}, 3, 1);
  average_after(a, p, {1.0, 2.0});
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    a.save(archive);
    archive.save_to(buffer);
  }
  torch::Tensor q = p.clone();
  LawaAverage b({q}, 3, 1);
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    b.load(archive);
  }
  EXPECT_EQ(b.num_updates(), 2);
  EXPECT_EQ(average_after(a, p, {6.0}), 3.0);
  EXPECT_EQ(average_after(b, q, {6.0}), 3.0);
}
