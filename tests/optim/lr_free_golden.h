// Shared pieces of the learning-rate-free optimizer tests: the golden problem of
// tests/golden/optim/lr_free_problem.py, trajectory checks, and the save/load round trip.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

namespace trainperf::testing {

inline nlohmann::json lr_free_golden(const std::string& name) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/optim/" + name + ".json");
  EXPECT_TRUE(in.good()) << "missing golden file " << name << ".json";
  return nlohmann::json::parse(in);
}

inline torch::Tensor golden_2d(const nlohmann::json& rows) {
  std::vector<double> flat;
  for (const auto& r : rows)
    for (double v : r) flat.push_back(v);
  return torch::tensor(flat, torch::kDouble).reshape({static_cast<int64_t>(rows.size()), -1});
}

inline torch::Tensor golden_1d(const nlohmann::json& v) {
  return torch::tensor(v.get<std::vector<double>>(), torch::kDouble);
}

// "inf" in the JSON stands for an infinite growth rate.
inline double golden_number(const nlohmann::json& v) {
  return v.is_string() ? std::numeric_limits<double>::infinity() : v.get<double>();
}

// The problem: W (3x4, a matrix) and b (3, a vector), loss = mean((X W^T + b - Y)^2) + 0.1 sum(b^2).
struct GoldenProblem {
  explicit GoldenProblem(const nlohmann::json& g)
      : X(golden_2d(g["X"])), Y(golden_2d(g["Y"])), W0(golden_2d(g["W0"])), B0(golden_1d(g["B0"])) {}
  torch::Tensor X, Y, W0, B0;
  torch::Tensor w = W0.clone().requires_grad_(), b = B0.clone().requires_grad_();

  void reset() {
    w = W0.clone().requires_grad_();
    b = B0.clone().requires_grad_();
  }
  void backward() {
    for (auto* p : {&w, &b})
      if (p->grad().defined()) p->grad().zero_();
    ((torch::matmul(X, w.t()) + b - Y).pow(2).mean() + 0.1 * b.pow(2).sum()).backward();
  }
};

// Both parameters against a golden snapshot {"w": [...], "b": [...]}.
inline ::testing::AssertionResult matches(const torch::Tensor& w, const torch::Tensor& b, const nlohmann::json& snap,
                                          double rtol = 1e-9, double atol = 1e-12) {
  const torch::Tensor ew = golden_1d(snap["w"]), eb = golden_1d(snap["b"]);
  if (torch::allclose(w.detach().flatten(), ew, rtol, atol) && torch::allclose(b.detach(), eb, rtol, atol))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |dw| = " << (w.detach().flatten() - ew).abs().max().item<double>()
                                       << ", max |db| = " << (b.detach() - eb).abs().max().item<double>();
}

inline ::testing::AssertionResult near_relative(double actual, double expected, double rtol = 1e-9) {
  if (std::abs(actual - expected) <= rtol * std::abs(expected) + 1e-300) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual << " vs expected " << expected;
}

// Checkpoint after three steps, resume a fresh optimizer over a copy of the parameters, and check
// that the next two steps agree bit for bit. `make` builds the optimizer over the given parameters.
template <typename Opt>
void expect_resume_matches(const std::function<std::unique_ptr<Opt>(std::vector<torch::Tensor>)>& make) {
  auto step = [](Opt& opt, torch::Tensor& p) {
    opt.zero_grad();
    (p.pow(4).sum() - p.sum()).backward();
    opt.step();
  };
  torch::Tensor p1 = (torch::arange(6, torch::kDouble).reshape({2, 3}) * 0.3 - 0.5).requires_grad_();
  auto a = make({p1});
  for (int i = 0; i < 3; ++i) step(*a, p1);
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    a->save(archive);
    archive.save_to(buffer);
  }
  torch::Tensor p2 = p1.detach().clone().requires_grad_();
  auto b = make({p2});
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    b->load(archive);
  }
  for (int i = 0; i < 2; ++i) {
    step(*a, p1);
    step(*b, p2);
    EXPECT_TRUE(torch::equal(p1.detach(), p2.detach())) << "step " << i + 4 << " after resuming";
  }
  EXPECT_FALSE(torch::equal(p1.detach(), (torch::arange(6, torch::kDouble).reshape({2, 3}) * 0.3 - 0.5)))
      << "the optimizer never moved the parameter";
}

}  // namespace trainperf::testing
