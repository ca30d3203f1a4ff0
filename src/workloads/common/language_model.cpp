#include "workloads/common/language_model.h"

#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "data/tensor_stream.h"

namespace trainperf {

DecoderLanguageModel::DecoderLanguageModel(const LanguageModelConfig& config, const ModelOptions& options)
    : config_(config), dropout_(options.dropout_rate) {
  if (config.vocab_size <= 0) throw std::logic_error("language model: vocab_size not set (load_data first)");
  config_.stack.layer.dropout = options.dropout_rate;
  config_.stack.layer.attention_dropout = options.aux_dropout_rate;
  const int64_t d = config.stack.layer.d_model;
  token_embedding_ = register_module("token_embedding", torch::nn::Embedding(config.vocab_size, d));
  {
    torch::NoGradGuard no_grad;
    token_embedding_->weight.normal_(0.0, config.embedding_init_std);
  }
  if (config.learned_positions)
    learned_positions_ = register_module(
        "positions", nn::LearnedPositionalEmbedding(config.context_length, d, config.embedding_init_std));
  else
    sinusoidal_positions_ =
        register_module("positions", nn::SinusoidalPositionalEmbedding(config.context_length, d));
  decoder_ = register_module("decoder", nn::TransformerEncoder(config_.stack));
  if (!config.tie_embeddings) {
    head_ = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(d, config.vocab_size).bias(false)));
    torch::NoGradGuard no_grad;
    head_->weight.normal_(0.0, config.embedding_init_std);
  }
}

torch::Tensor DecoderLanguageModel::forward(const Batch& batch) {
  const torch::Tensor& ids = batch.inputs;
  const int64_t T = ids.size(1);
  torch::Tensor pos = learned_positions_ ? learned_positions_->forward(T) : sinusoidal_positions_->forward(T);
  torch::Tensor h = token_embedding_->forward(ids) + pos;
  if (dropout_ > 0) h = torch::dropout(h, dropout_, is_training());
  // Padding only ever follows real tokens (eval_windows pads at the end), and causal attention
  // never looks forward, so no key-padding mask is needed.
  h = decoder_->forward(h, {}, /*causal=*/true);
  return head_ ? head_->forward(h) : torch::matmul(h, token_embedding_->weight.t());
}

TokenWindowStream::TokenWindowStream(torch::Tensor tokens, int64_t context_length, int64_t global_batch_size,
                                     uint64_t seed, DistInfo dist)
    : tokens_(std::move(tokens)), context_(context_length), global_batch_(global_batch_size) {
  if (global_batch_ <= 0 || global_batch_ % dist.world_size != 0)
    throw std::invalid_argument("global batch size " + std::to_string(global_batch_) +
                                " must be positive and divisible by the world size " +
                                std::to_string(dist.world_size));
  const int64_t windows = (tokens_.size(0) - context_) / context_;
  if (global_batch_ > windows)
    throw std::invalid_argument("batch size " + std::to_string(global_batch_) + " exceeds the " +
                                std::to_string(windows) + " training windows");
  local_batch_ = global_batch_ / dist.world_size;
  rank_offset_ = dist.rank * local_batch_;
  offsets_ = torch::arange(context_ + 1, torch::kLong);
  gen_ = at::make_generator<at::CPUGeneratorImpl>(torch_seed(seed));
  new_epoch();
}

void TokenWindowStream::new_epoch() {
  const int64_t phase = torch::randint(context_, {1}, gen_, torch::kLong).item<int64_t>();
  const int64_t windows = (tokens_.size(0) - 1 - phase) / context_;
  starts_ = phase + torch::randperm(windows, gen_, torch::kLong) * context_;
  cursor_ = 0;
  ++epoch_;
}

Batch TokenWindowStream::next() {
  if (cursor_ + global_batch_ > starts_.size(0)) new_epoch();
  torch::Tensor starts = starts_.narrow(0, cursor_ + rank_offset_, local_batch_);
  cursor_ += global_batch_;
  torch::Tensor window = tokens_.index_select(0, (starts.unsqueeze(1) + offsets_).flatten())
                             .view({local_batch_, context_ + 1});
  Batch b;
  b.inputs = window.narrow(1, 0, context_);
  b.targets = window.narrow(1, 1, context_);
  return b;
}

Batch eval_windows(const torch::Tensor& tokens, int64_t context_length, int64_t pad_id) {
  const int64_t n = tokens.size(0), T = context_length;
  if (n < 2) throw std::invalid_argument("eval_windows: fewer than two tokens");
  const int64_t windows = (n - 1 + T - 1) / T;  // predicted tokens n - 1, T per window
  torch::Tensor padded = torch::full({windows * T + 1}, pad_id, torch::kLong);
  padded.narrow(0, 0, n).copy_(tokens);
  torch::Tensor weights = torch::zeros({windows * T}, torch::kFloat);
  weights.narrow(0, 0, n - 1).fill_(1.0);
  Batch b;
  b.inputs = padded.narrow(0, 0, windows * T).view({windows, T});
  b.targets = padded.narrow(0, 1, windows * T).view({windows, T});
  b.weights = weights.view({windows, T});
  return b;
}

LossOutput token_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                               const torch::Tensor& weights, double label_smoothing) {
  const int64_t V = logits.size(-1);
  torch::Tensor logp = torch::log_softmax(logits.reshape({-1, V}), -1);
  torch::Tensor flat_targets = targets.reshape({-1});
  torch::Tensor per_token = -logp.gather(1, flat_targets.unsqueeze(1)).squeeze(1);
  if (label_smoothing > 0)
    per_token = (1.0 - label_smoothing) * per_token - label_smoothing * logp.mean(-1);
  LossOutput out;
  if (weights.defined()) {
    torch::Tensor w = weights.reshape({-1}).to(per_token.scalar_type());
    per_token = per_token * w;
    out.count = w.sum();
  } else {
    out.count = torch::tensor(static_cast<float>(flat_targets.size(0)), logits.options());
  }
  out.summed = per_token.sum();
  out.per_example = per_token.view(targets.sizes());
  return out;
}

void LanguageModelWorkload::set_tokens(torch::Tensor train, torch::Tensor validation, torch::Tensor test,
                                       int64_t vocab_size, int64_t pad_id, torch::Device device) {
  device_ = device;
  config_.vocab_size = vocab_size;
  train_tokens_ = train.to(torch::kLong);
  const int64_t T = config_.context_length;
  // Every k-th window when a split has more than max_eval_windows (deterministic, covers the split).
  // Rows `idx` of an evaluation batch (windows).
  auto rows = [](const Batch& b, const torch::Tensor& idx) {
    Batch out;
    out.inputs = b.inputs.index_select(0, idx);
    out.targets = b.targets.index_select(0, idx);
    out.weights = b.weights.index_select(0, idx);
    return out;
  };
  auto spread = [&](const Batch& b) {
    const int64_t n = b.inputs.size(0), m = config_.max_eval_windows;
    if (m <= 0 || n <= m) return b;
    return rows(b, torch::arange(m, torch::kLong).mul(n).div(m, "floor"));
  };
  eval_[static_cast<int>(Split::Validation)] = spread(eval_windows(validation.to(torch::kLong), T, pad_id)).to(device);
  eval_[static_cast<int>(Split::Test)] = spread(eval_windows(test.to(torch::kLong), T, pad_id)).to(device);
  // eval_train: whole windows of the training stream (no padding), a fixed random subset.
  Batch all = eval_windows(train_tokens_.narrow(0, 0, (train_tokens_.size(0) - 1) / T * T + 1), T, pad_id);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(torch_seed(derive_seed(0, "eval_train_subset")));
  const int64_t n = std::min(all.size(), eval_[static_cast<int>(Split::Validation)].size());
  torch::Tensor idx = torch::randperm(all.size(), gen, torch::kLong).narrow(0, 0, n);
  idx = std::get<0>(idx.sort());
  eval_[static_cast<int>(Split::EvalTrain)] = rows(all, idx).to(device);
  auto tokens_of = [&](Split s) { return static_cast<int64_t>(eval_[static_cast<int>(s)].weights.sum().item<double>()); };
  spec_.num_train_examples = (train_tokens_.size(0) - 1) / T;  // windows per epoch
  spec_.num_eval_train_examples = tokens_of(Split::EvalTrain);
  spec_.num_validation_examples = tokens_of(Split::Validation);
  spec_.num_test_examples = tokens_of(Split::Test);
}

std::unique_ptr<BatchStream> LanguageModelWorkload::train_stream(int64_t global_batch_size, uint64_t seed,
                                                                 const DistInfo& dist) {
  if (!train_tokens_.defined()) throw std::logic_error(spec_.name + ": train_stream before load_data");
  auto stream = std::make_unique<TokenWindowStream>(train_tokens_, config_.context_length, global_batch_size,
                                                    seed, dist);
  if (device_.is_cpu()) return stream;
  return std::make_unique<DeviceBatchStream>(std::move(stream), device_);
}

ModelPtr LanguageModelWorkload::init_model(uint64_t seed, const ModelOptions& options) {
  torch::manual_seed(torch_seed(seed));
  auto model = std::make_shared<DecoderLanguageModel>(config_, options);
  model->to(device_);
  return model;
}

LossOutput LanguageModelWorkload::loss(const torch::Tensor& logits, const Batch& batch,
                                       double label_smoothing) const {
  return token_cross_entropy(logits, batch.targets, batch.weights, label_smoothing);
}

Metrics LanguageModelWorkload::evaluate(Model& model, Split split, Communicator& comm) {
  const DistInfo dist = comm.info();
  const Batch& data = eval_[static_cast<int>(split)];
  if (!data.inputs.defined()) throw std::logic_error(spec_.name + ": evaluate before load_data");
  torch::NoGradGuard no_grad;
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(device_);
  torch::Tensor loss_sum = torch::zeros({}, opts), count = torch::zeros({}, opts);
  const int64_t n = data.size();
  const int64_t begin = n * dist.rank / dist.world_size, end = n * (dist.rank + 1) / dist.world_size;
  for (int64_t i = begin; i < end; i += eval_batch_size_) {
    const int64_t len = std::min(eval_batch_size_, end - i);
    Batch b;
    b.inputs = data.inputs.narrow(0, i, len);
    b.targets = data.targets.narrow(0, i, len);
    b.weights = data.weights.narrow(0, i, len);
    LossOutput l = token_cross_entropy(model_fn(model, b, ForwardMode::Eval), b.targets, b.weights, 0.0);
    loss_sum += l.summed.to(torch::kDouble);
    count += l.count.to(torch::kDouble);
  }
  std::vector<torch::Tensor> sums = {loss_sum, count};
  comm.all_reduce_sum(sums);
  const double tokens = sums[1].item<double>(), loss = sums[0].item<double>() / tokens;
  return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"num_examples", tokens}};
}

}  // namespace trainperf
