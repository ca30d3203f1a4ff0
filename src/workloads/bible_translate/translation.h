// The pieces of bible_translate that tests reach: the encoder-decoder transformer, the padded
// length-bucketed batch stream and batched greedy decoding.
#pragma once

#include <trainperf/workload.h>

#include "data/dataset_cache.h"
#include "nn/transformer.h"

#include <random>
#include <vector>

namespace trainperf::workload::bible_translate {

DatasetEntry bible_dataset();  // "bible_en_es": the prepared dataset bible_translate reads

struct TranslationModelConfig {
  int64_t vocab_size = 2000;
  int64_t d_model = 64;
  int64_t num_heads = 4;
  int64_t d_ff = 256;
  int64_t encoder_layers = 2;
  int64_t decoder_layers = 2;
  nn::Activation activation = nn::Activation::ReLU;
  bool glu = false;
  bool pre_ln = true;  // AlgoPerf wmt's base model is pre-LN; its post-LN variant is wmt_post_ln
  // Logits scaled by 1/temperature inside attention: not in the shared blocks yet, so only 1.
  int64_t max_length = 256;  // positions the sinusoid table holds
};

// Shared source/target/output embedding (AlgoPerf wmt: share_embeddings, logits_via_embedding),
// scaled by sqrt(d_model), sinusoidal positions, dropout on the embedded inputs and inside layers.
class TranslationModel final : public Model {
 public:
  TranslationModel(const TranslationModelConfig& config, double dropout_rate);

  // Batch: inputs = source ids [B, S], extras["decoder_inputs"] = bos + target[:-1] [B, T];
  // returns logits [B, T, V]. Pad id 0 is masked out of attention.
  torch::Tensor forward(const Batch& batch) override;

  torch::Tensor encode(const torch::Tensor& source);  // [B, S, D]
  torch::Tensor decode(const torch::Tensor& decoder_inputs, const torch::Tensor& memory,
                       const torch::Tensor& source_padding);  // logits [B, T, V]
  // One incremental decoding step: ids [B, 1] at `position` (0 = bos) -> logits [B, V] of the next
  // token, using and extending `caches` (start with an empty vector). Equals decode() on the whole
  // prefix, last position, without recomputing the prefix.
  torch::Tensor decode_step(const torch::Tensor& ids, int64_t position, const torch::Tensor& memory,
                            const torch::Tensor& source_padding, std::vector<nn::DecoderLayerCache>& caches);

  const TranslationModelConfig& config() const { return config_; }

 private:
  torch::Tensor embed(const torch::Tensor& ids, int64_t offset = 0);
  torch::Tensor output_logits(const torch::Tensor& hidden);

  TranslationModelConfig config_;
  double dropout_;
  torch::nn::Embedding embedding_{nullptr};
  nn::SinusoidalPositionalEmbedding positions_{nullptr};
  nn::TransformerEncoder encoder_{nullptr};
  nn::TransformerDecoder decoder_{nullptr};
};

// Greedy decoding of a batch of padded sources: at most max_new_tokens per sentence, stopping at
// eos; returns each sentence's ids without bos/eos.
std::vector<std::vector<int>> greedy_decode(TranslationModel& model, const torch::Tensor& source,
                                            int64_t max_new_tokens, int bos_id, int eos_id, int pad_id);

struct TokenPair {
  std::vector<int64_t> source, target;  // both end with eos
};

// One padded batch: inputs [B, S], targets [B, T], decoder_inputs = bos + targets[:-1], weights =
// (targets != pad) as float.
Batch make_translation_batch(const std::vector<TokenPair>& pairs, const std::vector<int64_t>& rows, int bos_id,
                             int pad_id);

// Endless stream: each epoch a seeded permutation, cut into windows of 32 global batches, sorted by
// length within a window (little padding), batches shuffled; each rank takes its slice of every
// global batch.
class TranslationBatchStream final : public BatchStream {
 public:
  TranslationBatchStream(const std::vector<TokenPair>& pairs, int64_t global_batch_size, uint64_t seed, DistInfo dist,
                         int bos_id, int pad_id, torch::Device device = torch::kCPU);
  Batch next() override;

 private:
  void new_epoch();

  const std::vector<TokenPair>& pairs_;
  int64_t global_batch_;
  DistInfo dist_;
  int bos_id_, pad_id_;
  torch::Device device_;
  std::mt19937_64 rng_;
  std::vector<std::vector<int64_t>> batches_;  // global batches of the current epoch
  size_t cursor_ = 0;
};

}  // namespace trainperf::workload::bible_translate
