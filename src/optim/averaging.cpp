#include "optim/averaging.h"
#include "optim/tensor_list_archive.h"

#include <algorithm>

namespace trainperf {

namespace {
std::vector<torch::Tensor> clones(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> out;
  out.reserve(ts.size());
  for (const auto& t : ts) out.push_back(t.detach().clone());
  return out;
}

}  // namespace

WeightAverage::WeightAverage(std::vector<torch::Tensor> params) : params_(std::move(params)) {}

void WeightAverage::update() {
  TORCH_CHECK(!swapped_in(), "WeightAverage::update: the average is swapped in; swap_out() first");
  torch::NoGradGuard no_grad;
  fold_in(++t_);
}

void WeightAverage::swap_in() {
  if (swapped_in()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> avg = average();
  stash_ = clones(params_);
  for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(avg[i]);
  swapped_in_ = true;
}

void WeightAverage::swap_out() {
  if (!swapped_in()) return;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(stash_[i]);
  stash_.clear();
  swapped_in_ = false;
}

void WeightAverage::save(torch::serialize::OutputArchive& archive) const {
  archive.write("average/t", c10::IValue(t_));
}

void WeightAverage::load(torch::serialize::InputArchive& archive) {
  c10::IValue v;
  archive.read("average/t", v);
  t_ = v.toInt();
  stash_.clear();
  swapped_in_ = false;
}

// --- EMA ---

EmaAverage::EmaAverage(std::vector<torch::Tensor> params, double decay)
    : WeightAverage(std::move(params)), decay_(decay), ema_(clones(this->params())) {
  TORCH_CHECK(decay >= 0 && decay < 1, "EmaAverage: decay must be in [0, 1), got ", decay);
}

double EmaAverage::decay_at(int64_t t) const {
  return std::min(decay_, (1.0 + static_cast<double>(t)) / (10.0 + static_cast<double>(t)));
}

void EmaAverage::fold_in(int64_t t) {
  const double d = decay_at(t);
  for (size_t i = 0; i < ema_.size(); ++i) ema_[i].mul_(d).add_(params()[i].detach(), 1.0 - d);
}

std::vector<torch::Tensor> EmaAverage::average() const { return clones(ema_); }

void EmaAverage::save(torch::serialize::OutputArchive& archive) const {
  WeightAverage::save(archive);
  write_tensor_list(archive, "ema", ema_);
}

void EmaAverage::load(torch::serialize::InputArchive& archive) {
  WeightAverage::load(archive);
  ema_ = read_tensor_list(archive, "ema");
}

// --- LAWA ---

bool algoperf_lawa_snapshot(int64_t t, int64_t start, int64_t every) {
  return t - 1 >= start && (t - 1 - start) % every == 0;
}

LawaAverage::LawaAverage(std::vector<torch::Tensor> params, int64_t num_snapshots, int64_t every, LawaForm form,
                         int64_t start)
    : WeightAverage(std::move(params)), k_(num_snapshots), every_(every), form_(form), start_(start) {
  TORCH_CHECK(num_snapshots >= 1, "LawaAverage: num_snapshots must be >= 1, got ", num_snapshots);
  TORCH_CHECK(every >= 1, "LawaAverage: every must be >= 1, got ", every);
  TORCH_CHECK(start >= 0, "LawaAverage: start must be >= 0, got ", start);
}

void LawaAverage::fold_in(int64_t t) {
  if (form_ == LawaForm::algoperf ? !algoperf_lawa_snapshot(t, start_, every_) : t % every_ != 0) return;
  if (static_cast<int64_t>(queue_.size()) == k_) {
    // Reuse the oldest snapshot's memory for the newest.
    std::vector<torch::Tensor> oldest = std::move(queue_.front());
    queue_.pop_front();
    for (size_t i = 0; i < oldest.size(); ++i) oldest[i].copy_(params()[i].detach());
    queue_.push_back(std::move(oldest));
  } else {
    queue_.push_back(clones(params()));
  }
}

std::vector<torch::Tensor> LawaAverage::average() const {
  if (queue_.empty() || (form_ == LawaForm::algoperf && static_cast<int64_t>(queue_.size()) < k_))
    return clones(params());
  std::vector<torch::Tensor> sum = clones(queue_.front());
  for (size_t j = 1; j < queue_.size(); ++j)
    for (size_t i = 0; i < sum.size(); ++i) sum[i].add_(queue_[j][i]);
  for (auto& s : sum) s.div_(static_cast<double>(queue_.size()));
  return sum;
}

void LawaAverage::save(torch::serialize::OutputArchive& archive) const {
  WeightAverage::save(archive);
  archive.write("lawa/size", c10::IValue(static_cast<int64_t>(queue_.size())));
  for (size_t j = 0; j < queue_.size(); ++j) write_tensor_list(archive, "lawa/" + std::to_string(j), queue_[j]);
}

void LawaAverage::load(torch::serialize::InputArchive& archive) {
  WeightAverage::load(archive);
  c10::IValue v;
  archive.read("lawa/size", v);
  queue_.clear();
  for (int64_t j = 0; j < v.toInt(); ++j) queue_.push_back(read_tensor_list(archive, "lawa/" + std::to_string(j)));
}

// --- AlgoPerf's lawa_ema ---

LawaEmaAverage::LawaEmaAverage(std::vector<torch::Tensor> params, double beta, int64_t every, int64_t start)
    : WeightAverage(std::move(params)), beta_(beta), every_(every), start_(start) {
  TORCH_CHECK(beta >= 0 && beta <= 1, "LawaEmaAverage: beta must be in [0, 1], got ", beta);
  TORCH_CHECK(every >= 1, "LawaEmaAverage: every must be >= 1, got ", every);
  TORCH_CHECK(start >= 0, "LawaEmaAverage: start must be >= 0, got ", start);
}

void LawaEmaAverage::fold_in(int64_t t) {
  if (!algoperf_lawa_snapshot(t, start_, every_)) return;
  if (ema_.empty()) {
    ema_ = clones(params());
    return;
  }
  for (size_t i = 0; i < ema_.size(); ++i) ema_[i].mul_(beta_).add_(params()[i].detach(), 1.0 - beta_);
}

std::vector<torch::Tensor> LawaEmaAverage::average() const {
  if (num_updates() < start_ || ema_.empty()) return clones(params());
  return clones(ema_);
}

void LawaEmaAverage::save(torch::serialize::OutputArchive& archive) const {
  WeightAverage::save(archive);
  write_tensor_list(archive, "lawa_ema", ema_);
}

void LawaEmaAverage::load(torch::serialize::InputArchive& archive) {
  WeightAverage::load(archive);
  ema_ = read_tensor_list(archive, "lawa_ema");
}

// --- Polynomial-decay average ---

PolynomialAverage::PolynomialAverage(std::vector<torch::Tensor> params, double gamma)
    : WeightAverage(std::move(params)), gamma_(gamma), avg_(clones(this->params())) {
  TORCH_CHECK(gamma >= 0, "PolynomialAverage: gamma must be >= 0, got ", gamma);
}

void PolynomialAverage::fold_in(int64_t t) {
  const double c = (gamma_ + 1.0) / (static_cast<double>(t) + gamma_);
  for (size_t i = 0; i < avg_.size(); ++i) avg_[i].mul_(1.0 - c).add_(params()[i].detach(), c);
}

std::vector<torch::Tensor> PolynomialAverage::average() const { return clones(avg_); }

void PolynomialAverage::save(torch::serialize::OutputArchive& archive) const {
  WeightAverage::save(archive);
  write_tensor_list(archive, "polynomial", avg_);
}

void PolynomialAverage::load(torch::serialize::InputArchive& archive) {
  WeightAverage::load(archive);
  avg_ = read_tensor_list(archive, "polynomial");
}

}  // namespace trainperf
