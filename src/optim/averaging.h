// Weight averaging as decorators of any optimizer's iterates: each average is updated after every
// optimizer step and swapped into the parameters for evaluation (EvalWeights), then swapped out
// before the next update. Averages are over the parameters only (BatchNorm statistics are the
// submission's business, see submissions/common/averaged_submission.h).
//   EmaAverage:        a <- d_t a + (1 - d_t) x_t,  d_t = min(decay, (1 + t) / (10 + t)),  a_0 = x_0
//                      (the warm-up of the decay is tf.train.ExponentialMovingAverage's num_updates rule)
//   LawaAverage:       mean of the last k snapshots, one taken after every n-th step (Kaddour 2022,
//                      "Stop Wasting My Time!"; Sanyal et al. 2023); fewer than k: mean of those taken,
//                      none yet: the training weights.
//                      LawaForm::algoperf is AlgoPerf v0.5's lawa_queue submission: a snapshot after
//                      step t when t-1 >= start and (t-1-start) % n == 0; the training weights until k
//                      snapshots were taken, then their mean
//   LawaEmaAverage:    AlgoPerf v0.5's lawa_ema submission: snapshots as LawaForm::algoperf, the first
//                      copied, then e <- beta e + (1 - beta) snapshot; the training weights while
//                      t < start or before the first snapshot (where AlgoPerf's code fails), then e
//                      (that submission passed beta = int(lawa_beta) = 0: the latest snapshot)
//   PolynomialAverage: a_t = (1 - c_t) a_{t-1} + c_t x_t,  c_t = (gamma + 1) / (t + gamma),  a_0 = x_0
//                      (DoG's polynomial-decay averaging, Shamir & Zhang 2013; gamma = 8 in DoG)
// t counts updates from 1.
#pragma once

#include <torch/torch.h>

#include <deque>
#include <vector>

#include "optim/eval_weights.h"

namespace trainperf {

class WeightAverage : public EvalWeights {
 public:
  explicit WeightAverage(std::vector<torch::Tensor> params);

  // Fold in the parameters after an optimizer step (the training weights must be swapped in).
  void update();
  int64_t num_updates() const { return t_; }
  // The averaged weights, one tensor per parameter (fresh tensors).
  virtual std::vector<torch::Tensor> average() const = 0;

  void swap_in() override;
  void swap_out() override;
  bool swapped_in() const override { return swapped_in_; }

  virtual void save(torch::serialize::OutputArchive& archive) const;
  virtual void load(torch::serialize::InputArchive& archive);

 protected:
  virtual void fold_in(int64_t t) = 0;  // the t-th update (t from 1)
  const std::vector<torch::Tensor>& params() const { return params_; }

 private:
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> stash_;  // the training weights while the average is swapped in
  bool swapped_in_ = false;
  int64_t t_ = 0;
};

class EmaAverage final : public WeightAverage {
 public:
  EmaAverage(std::vector<torch::Tensor> params, double decay);
  std::vector<torch::Tensor> average() const override;
  double decay_at(int64_t t) const;  // d_t
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void fold_in(int64_t t) override;
  double decay_;
  std::vector<torch::Tensor> ema_;
};

enum class LawaForm { trainperf, algoperf };

class LawaAverage final : public WeightAverage {
 public:
  LawaAverage(std::vector<torch::Tensor> params, int64_t num_snapshots, int64_t every,
              LawaForm form = LawaForm::trainperf, int64_t start = 0);
  std::vector<torch::Tensor> average() const override;
  int64_t num_snapshots() const { return static_cast<int64_t>(queue_.size()); }
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void fold_in(int64_t t) override;
  int64_t k_, every_;
  LawaForm form_;
  int64_t start_;
  std::deque<std::vector<torch::Tensor>> queue_;
};

// AlgoPerf's snapshot rule (lawa_queue, lawa_ema): after step t (from 1) when t-1 >= start and
// (t-1-start) is a multiple of every.
bool algoperf_lawa_snapshot(int64_t t, int64_t start, int64_t every);

class LawaEmaAverage final : public WeightAverage {
 public:
  LawaEmaAverage(std::vector<torch::Tensor> params, double beta, int64_t every, int64_t start);
  std::vector<torch::Tensor> average() const override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void fold_in(int64_t t) override;
  double beta_;
  int64_t every_, start_;
  std::vector<torch::Tensor> ema_;  // empty before the first snapshot
};

class PolynomialAverage final : public WeightAverage {
 public:
  PolynomialAverage(std::vector<torch::Tensor> params, double gamma = 8.0);
  std::vector<torch::Tensor> average() const override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void fold_in(int64_t t) override;
  double gamma_;
  std::vector<torch::Tensor> avg_;
};

}  // namespace trainperf
