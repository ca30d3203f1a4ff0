// NAdamW and warmup+cosine against golden values from tests/golden/optim/gen_nadamw.py.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "optim/nadamw.h"
#include "optim/schedules.h"

using namespace trainperf;

namespace {

nlohmann::json golden() {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/optim/nadamw.json");
  return nlohmann::json::parse(in);
}

torch::Tensor tensor2d(const nlohmann::json& rows) {
  std::vector<double> flat;
  for (const auto& r : rows)
    for (double v : r) flat.push_back(v);
  return torch::tensor(flat, torch::kDouble).reshape({static_cast<int64_t>(rows.size()), -1});
}

torch::Tensor tensor1d(const nlohmann::json& v) { return torch::tensor(v.get<std::vector<double>>(), torch::kDouble); }

}  // namespace

TEST(NAdamW, MatchesGoldenTrajectory) {
  const auto g = golden();
  const torch::Tensor X = tensor2d(g["X"]), Y = tensor2d(g["Y"]);
  for (const auto& c : g["nadamw"]) {
    torch::Tensor w = tensor2d(g["W0"]).requires_grad_(), b = tensor1d(g["B0"]).requires_grad_();
    NAdamW opt({w, b}, NAdamWOptions(c["lr"].get<double>())
                           .beta1(c["beta1"])
                           .beta2(c["beta2"])
                           .eps(c["eps"])
                           .weight_decay(c["weight_decay"]));
    for (const auto& expected : c["trajectory"]) {
      opt.zero_grad();
      torch::Tensor loss = (torch::matmul(X, w.t()) + b - Y).pow(2).mean() + 0.1 * b.pow(2).sum();
      loss.backward();
      opt.step();
      EXPECT_TRUE(torch::allclose(w.detach().flatten(), tensor1d(expected["w"]), 1e-10, 1e-12));
      EXPECT_TRUE(torch::allclose(b.detach(), tensor1d(expected["b"]), 1e-10, 1e-12));
    }
  }
}

TEST(NAdamW, ConvergesOnQuadratic) {
  torch::manual_seed(0);
  torch::Tensor target = torch::randn({20});
  torch::Tensor x = torch::zeros({20}, torch::requires_grad());
  NAdamW opt({x}, NAdamWOptions(0.05).beta1(0.9).beta2(0.999));
  for (int i = 0; i < 1500; ++i) {
    opt.zero_grad();
    (x - target).pow(2).sum().backward();
    opt.step();
  }
  EXPECT_LT((x - target).abs().max().item<double>(), 1e-3);
}

TEST(NAdamW, SkipsParamsWithoutGradient) {
  torch::Tensor a = torch::ones({3}, torch::requires_grad()), b = torch::ones({3}, torch::requires_grad());
  NAdamW opt({a, b}, NAdamWOptions(0.1).weight_decay(0.5));
  (a * 2).sum().backward();
  opt.step();
  EXPECT_TRUE(torch::equal(b.detach(), torch::ones({3})));  // no grad: untouched, not even decayed
  EXPECT_FALSE(torch::equal(a.detach(), torch::ones({3})));
}

TEST(NAdamW, StateSurvivesSaveLoad) {
  auto make = [] { return torch::arange(6, torch::kDouble).reshape({2, 3}).requires_grad_(); };
  auto step = [](NAdamW& opt, torch::Tensor& p) {
    opt.zero_grad();
    (p.pow(3).sum()).backward();
    opt.step();
  };
  torch::Tensor p1 = make();
  NAdamW a({p1}, NAdamWOptions(0.01).weight_decay(0.1));
  for (int i = 0; i < 3; ++i) step(a, p1);
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    a.save(archive);
    archive.save_to(buffer);
  }
  torch::Tensor p2 = p1.detach().clone().requires_grad_();
  NAdamW b({p2}, NAdamWOptions(0.01).weight_decay(0.1));
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    b.load(archive);
  }
  step(a, p1);
  step(b, p2);
  EXPECT_TRUE(torch::equal(p1.detach(), p2.detach()));
}

TEST(WarmupCosine, MatchesGoldenValues) {
  for (const auto& c : golden()["warmup_cosine"]) {
    WarmupCosine s(c["total"].get<int64_t>(), c["warmup_factor"].get<double>());
    const auto values = c["values"].get<std::vector<double>>();
    for (size_t t = 0; t < values.size(); ++t) EXPECT_NEAR(s.multiplier(static_cast<int64_t>(t)), values[t], 1e-15) << t;
  }
}

TEST(WarmupCosine, ClampsAtZeroAfterTheEnd) {
  WarmupCosine s(100, 0.1);
  EXPECT_EQ(s.multiplier(0), 0.0);
  EXPECT_DOUBLE_EQ(s.multiplier(10), 1.0);
  for (int64_t t = 100; t < 300; t += 7) EXPECT_EQ(s.multiplier(t), 0.0);
}
