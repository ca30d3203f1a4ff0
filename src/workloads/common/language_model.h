// Shared pieces of the language-modelling workloads: a decoder-only transformer LM over token ids,
// a training stream of fixed-length windows cut from a token stream, summed token cross-entropy
// (padding excluded, label smoothing), and evaluation over fixed non-overlapping windows.
#pragma once

#include <trainperf/workload.h>

#include "nn/transformer.h"

namespace trainperf {

struct LanguageModelConfig {
  int64_t vocab_size = 0;  // set from the tokenizer at load_data
  int64_t context_length = 64;
  nn::TransformerStackConfig stack;  // stack.layer.pre_ln selects pre- or post-LN
  bool learned_positions = true;     // else sinusoidal
  bool tie_embeddings = true;        // logits = h · token_embedding^T
  double embedding_init_std = 0.02;
  // Evaluate at most this many context windows per split, spread evenly over it (0 = every window).
  int64_t max_eval_windows = 0;
};

// inputs [B, T] int64 -> logits [B, T, vocab]. ModelOptions: dropout_rate is the residual and
// embedding dropout, aux_dropout_rate the attention dropout (AlgoPerf wmt's convention).
class DecoderLanguageModel final : public Model {
 public:
  DecoderLanguageModel(const LanguageModelConfig& config, const ModelOptions& options);
  torch::Tensor forward(const Batch& batch) override;

 private:
  LanguageModelConfig config_;
  double dropout_;
  torch::nn::Embedding token_embedding_{nullptr};
  nn::LearnedPositionalEmbedding learned_positions_{nullptr};
  nn::SinusoidalPositionalEmbedding sinusoidal_positions_{nullptr};
  nn::TransformerEncoder decoder_{nullptr};
  torch::nn::Linear head_{nullptr};
};

// Fixed-length windows of `context_length + 1` tokens (inputs = first T, targets = last T) from a
// token stream. Every epoch picks a random phase in [0, T) and shuffles the non-overlapping
// windows starting at phase + k*T; each rank takes its slice of every global batch. Deterministic
// in the seed.
class TokenWindowStream final : public BatchStream {
 public:
  TokenWindowStream(torch::Tensor tokens, int64_t context_length, int64_t global_batch_size, uint64_t seed,
                    DistInfo dist);
  Batch next() override;
  int64_t epoch() const { return epoch_; }

 private:
  void new_epoch();
  torch::Tensor tokens_, starts_, offsets_;
  int64_t context_, global_batch_, local_batch_, rank_offset_, cursor_ = 0, epoch_ = -1;
  at::Generator gen_;
};

// Non-overlapping windows covering tokens[0..n): window k holds tokens [k*T, k*T + T + 1); the
// last one is padded with `pad_id` and weight 0, so every token but the first is predicted
// exactly once. Returns inputs, targets [W, T] int64 and weights [W, T] float.
Batch eval_windows(const torch::Tensor& tokens, int64_t context_length, int64_t pad_id);

// Summed token cross-entropy over [B, T, V] logits with label smoothing; weights [B, T] (undefined:
// every token counts). count = number of counted tokens.
LossOutput token_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                               const torch::Tensor& weights, double label_smoothing);

class LanguageModelWorkload : public Workload {
 public:
  const WorkloadSpec& spec() const override { return spec_; }
  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed,
                                            const DistInfo& dist) override;
  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override;
  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double label_smoothing) const override;
  // loss (mean token cross-entropy), perplexity = exp(loss), num_examples = predicted tokens.
  Metrics evaluate(Model& model, Split split, Communicator& comm) override;

  const LanguageModelConfig& config() const { return config_; }

 protected:
  // Subclasses call this from load_data with their token streams (int64 ids < vocab_size).
  // eval_train: a fixed random subset of the training windows, as many as validation has.
  void set_tokens(torch::Tensor train, torch::Tensor validation, torch::Tensor test, int64_t vocab_size,
                  int64_t pad_id, torch::Device device);

  WorkloadSpec spec_;
  LanguageModelConfig config_;
  int64_t eval_batch_size_ = 64;  // windows per evaluation forward pass
  torch::Device device_ = torch::kCPU;

 private:
  torch::Tensor train_tokens_;
  std::array<Batch, 3> eval_;  // indexed by Split
};

}  // namespace trainperf
