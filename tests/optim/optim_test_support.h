// Shared by the optimizer tests: golden files from tests/golden/optim (see problem.py there), the
// trajectory check on the matrix + vector problem, and the checkpoint/resume check.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "optim/schedules.h"

namespace trainperf::testing {

inline nlohmann::json load_golden(const std::string& name) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/optim/" + name + ".json");
  EXPECT_TRUE(in.good()) << "missing tests/golden/optim/" << name << ".json";
  return nlohmann::json::parse(in);
}

inline torch::Tensor tensor1d(const nlohmann::json& v) {
  return torch::tensor(v.get<std::vector<double>>(), torch::kDouble);
}

inline torch::Tensor tensor2d(const nlohmann::json& rows) {
  std::vector<double> flat;
  for (const auto& r : rows)
    for (double v : r) flat.push_back(v);
  return torch::tensor(flat, torch::kDouble).reshape({static_cast<int64_t>(rows.size()), -1});
}

// problem.py: W (3x4) and b (3), loss = mean((X W^T + b - Y)^2) + 0.1 sum(b^2).
struct GoldenProblem {
  explicit GoldenProblem(const nlohmann::json& g)
      : X(tensor2d(g["X"])), Y(tensor2d(g["Y"])), W0(tensor2d(g["W0"])), B0(tensor1d(g["B0"])) {}
  torch::Tensor loss(const torch::Tensor& w, const torch::Tensor& b) const {
    return (torch::matmul(X, w.t()) + b - Y).pow(2).mean() + 0.1 * b.pow(2).sum();
  }
  torch::Tensor w() const { return W0.clone().requires_grad_(); }
  torch::Tensor b() const { return B0.clone().requires_grad_(); }
  torch::Tensor X, Y, W0, B0;
};

// Steps `opt` (built over w and b) through the expected trajectory, comparing after every step.
// `extra_loss` adds terms for further parameters the optimizer holds.
inline void expect_trajectory(torch::optim::Optimizer& opt, const GoldenProblem& problem, torch::Tensor& w,
                              torch::Tensor& b, const nlohmann::json& trajectory, double rtol = 1e-10,
                              double atol = 1e-12, const std::function<torch::Tensor()>& extra_loss = nullptr) {
  int step = 0;
  for (const auto& expected : trajectory) {
    ++step;
    opt.zero_grad();
    torch::Tensor loss = problem.loss(w, b);
    if (extra_loss) loss = loss + extra_loss();
    loss.backward();
    opt.step();
    EXPECT_TRUE(torch::allclose(w.detach().flatten(), tensor1d(expected["w"]), rtol, atol))
        << "w after step " << step << ":\n"
        << w.detach().flatten() << "\nexpected\n"
        << tensor1d(expected["w"]);
    EXPECT_TRUE(torch::allclose(b.detach(), tensor1d(expected["b"]), rtol, atol)) << "b after step " << step << ":\n"
                                                                                  << b.detach() << "\nexpected\n"
                                                                                  << tensor1d(expected["b"]);
  }
}

// Checkpoint after `steps_before` steps, load into a fresh optimizer over copies of the parameters,
// and require the next `steps_after` steps of both to agree exactly. `make` builds an optimizer over
// a matrix and a vector parameter.
using MakeOptimizer = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>;

inline void expect_state_survives_save_load(const MakeOptimizer& make, int steps_before = 3, int steps_after = 3) {
  auto step = [](torch::optim::Optimizer& opt, std::vector<torch::Tensor>& p) {
    opt.zero_grad();
    (p[0].pow(3).sum() + (p[0].sum(1) * p[1]).sum() + p[1].pow(2).sum()).backward();
    opt.step();
  };
  std::vector<torch::Tensor> p1 = {torch::linspace(-1, 1, 12, torch::kDouble).reshape({3, 4}).requires_grad_(),
                                   torch::tensor({0.5, -0.25, 1.0}, torch::kDouble).requires_grad_()};
  auto a = make(p1);
  for (int i = 0; i < steps_before; ++i) step(*a, p1);
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    a->save(archive);
    archive.save_to(buffer);
  }
  std::vector<torch::Tensor> p2 = {p1[0].detach().clone().requires_grad_(), p1[1].detach().clone().requires_grad_()};
  auto b = make(p2);
  {
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    b->load(archive);
  }
  for (int i = 0; i < steps_after; ++i) {
    step(*a, p1);
    step(*b, p2);
    EXPECT_TRUE(torch::equal(p1[0].detach(), p2[0].detach())) << "matrix differs " << i + 1 << " steps after resume";
    EXPECT_TRUE(torch::equal(p1[1].detach(), p2[1].detach())) << "vector differs " << i + 1 << " steps after resume";
  }
}

// 0.5 sum(D (W - W*)^2) + 0.5 ||b - b*||^2 with D in [0.5, 2]: minimiser (W*, b*).
struct Quadratic {
  Quadratic() {
    torch::manual_seed(5);
    W_star = torch::randn({4, 3}, torch::kDouble);
    b_star = torch::randn({3}, torch::kDouble);
    D = torch::rand({4, 3}, torch::kDouble) * 1.5 + 0.5;
  }
  torch::Tensor loss(const torch::Tensor& w, const torch::Tensor& b) const {
    return 0.5 * (D * (w - W_star).pow(2)).sum() + 0.5 * (b - b_star).pow(2).sum();
  }
  torch::Tensor W_star, b_star, D;
};

// Runs `steps` steps from zero (with lr = peak * schedule(t) when a schedule is given) and returns
// the largest distance of any coordinate from the minimiser.
inline double minimise_quadratic(const MakeOptimizer& make, int steps, std::shared_ptr<Schedule> schedule = nullptr,
                                 double peak_lr = 0) {
  const Quadratic q;
  std::vector<torch::Tensor> p = {torch::zeros({4, 3}, torch::kDouble).requires_grad_(),
                                  torch::zeros({3}, torch::kDouble).requires_grad_()};
  auto opt = make(p);
  std::unique_ptr<ScheduledLr> lr;
  if (schedule) lr = std::make_unique<ScheduledLr>(*opt, schedule, peak_lr);
  for (int t = 0; t < steps; ++t) {
    if (lr) lr->apply(t);
    opt->zero_grad();
    q.loss(p[0], p[1]).backward();
    opt->step();
  }
  return std::max((p[0] - q.W_star).abs().max().item<double>(), (p[1] - q.b_star).abs().max().item<double>());
}

}  // namespace trainperf::testing
