// bible_translate: English (KJV) -> Spanish (Reina-Valera 1909) translation with an
// encoder-decoder transformer, the analog of AlgoPerf's wmt. How the sizes, targets, budget and
// eval period were chosen: docs/workloads/bible_translate.md.
#include "workloads/bible_translate/translation.h"

#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include "data/bible_corpus.h"
#include "data/dataset_cache.h"
#include "metrics/bleu.h"
#include "workloads/common/classification.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace trainperf::workload::bible_translate {

// "bible_en_es": the prepared verse pairs and tokenizer every bible_translate workload reads.
DatasetEntry bible_dataset() {
  DatasetEntry entry;
  entry.name = "bible_en_es";
  entry.description = "KJV / Reina-Valera 1909 verse pairs (validation Acts, test John), 2k joint SentencePiece";
  entry.format_version = 2;  // 2: 2k pieces (was 4k)
  entry.packages = {"sword-text-kjv", "sword-text-sparv"};
  entry.build = [](PrepareContext& ctx) { return build_bible_corpus(BibleCorpusSource{}, ctx); };
  return entry;
}

// ---- model ----------------------------------------------------------------------------------

TranslationModel::TranslationModel(const TranslationModelConfig& config, double dropout_rate)
    : config_(config), dropout_(dropout_rate) {
  embedding_ = register_module("embedding", torch::nn::Embedding(config.vocab_size, config.d_model));
  positions_ = register_module("positions", nn::SinusoidalPositionalEmbedding(config.max_length, config.d_model));
  nn::TransformerStackConfig stack;
  stack.layer.d_model = config.d_model;
  stack.layer.num_heads = config.num_heads;
  stack.layer.d_ff = config.d_ff;
  stack.layer.activation = config.activation;
  stack.layer.glu = config.glu;
  stack.layer.pre_ln = config.pre_ln;
  stack.layer.dropout = dropout_rate;
  stack.layer.attention_dropout = dropout_rate;  // AlgoPerf wmt: attention_dropout_rate = dropout_rate
  stack.final_norm = config.pre_ln;              // post-LN stacks end normalised already
  stack.num_layers = config.encoder_layers;
  encoder_ = register_module("encoder", nn::TransformerEncoder(stack));
  stack.num_layers = config.decoder_layers;
  decoder_ = register_module("decoder", nn::TransformerDecoder(stack));

  // AlgoPerf wmt's initialisation: Xavier-uniform dense kernels, zero biases, N(0, 1/d_model)
  // embeddings (the embedding is also the output layer).
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    if (name.rfind("embedding", 0) == 0) {
      torch::nn::init::normal_(p.value(), 0.0, 1.0 / std::sqrt(static_cast<double>(config.d_model)));
    } else if (p.value().dim() == 2) {
      torch::nn::init::xavier_uniform_(p.value());
    } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0 &&
               name.find("norm") == std::string::npos) {
      p.value().zero_();
    }
  }
}

torch::Tensor TranslationModel::embed(const torch::Tensor& ids, int64_t offset) {
  const int64_t length = ids.size(1);
  if (offset + length > config_.max_length)
    throw std::invalid_argument("bible_translate: sequence of " + std::to_string(offset + length) + " tokens, the model holds " +
                                std::to_string(config_.max_length));
  torch::Tensor x = embedding_->forward(ids) * std::sqrt(static_cast<double>(config_.d_model));
  x = x + positions_->forward(length, offset).unsqueeze(0).to(x.dtype());
  return torch::dropout(x, dropout_, is_training());
}

torch::Tensor TranslationModel::encode(const torch::Tensor& source) {
  return encoder_->forward(embed(source), source.eq(0));
}

torch::Tensor TranslationModel::decode(const torch::Tensor& decoder_inputs, const torch::Tensor& memory,
                                       const torch::Tensor& source_padding) {
  // Causal self-attention already keeps real positions off the trailing padding.
  torch::Tensor y = decoder_->forward(embed(decoder_inputs), memory, {}, source_padding);
  return output_logits(y);
}

// The output layer is the shared embedding (AlgoPerf wmt's logits_via_embedding).
torch::Tensor TranslationModel::output_logits(const torch::Tensor& hidden) {
  return torch::matmul(hidden, embedding_->weight.t());
}

torch::Tensor TranslationModel::decode_step(const torch::Tensor& ids, int64_t position, const torch::Tensor& memory,
                                            const torch::Tensor& source_padding,
                                            std::vector<nn::DecoderLayerCache>& caches) {
  torch::Tensor y = decoder_->forward_incremental(embed(ids, position), memory, source_padding, caches);
  return output_logits(y.select(1, -1));
}

torch::Tensor TranslationModel::forward(const Batch& batch) {
  const torch::Tensor& source = batch.inputs;
  const auto it = batch.extras.find("decoder_inputs");
  if (it == batch.extras.end()) throw std::invalid_argument("bible_translate: batch without decoder_inputs");
  return decode(it->second, encode(source), source.eq(0));
}

std::vector<std::vector<int>> greedy_decode(TranslationModel& model, const torch::Tensor& source,
                                            int64_t max_new_tokens, int bos_id, int eos_id, int pad_id) {
  torch::NoGradGuard no_grad;
  const int64_t batch = source.size(0);
  const torch::Tensor memory = model.encode(source);
  const torch::Tensor source_padding = source.eq(pad_id);
  torch::Tensor next = torch::full({batch, 1}, bos_id, source.options());
  torch::Tensor done = torch::zeros({batch}, source.options().dtype(torch::kBool));
  max_new_tokens = std::min(max_new_tokens, model.config().max_length - 1);
  // Key/value caches: each step runs the decoder on the newest token only.
  std::vector<nn::DecoderLayerCache> caches;
  std::vector<torch::Tensor> steps = {next};
  for (int64_t t = 0; t < max_new_tokens; ++t) {
    next = model.decode_step(next, t, memory, source_padding, caches).argmax(-1);
    next = torch::where(done, torch::full_like(next, pad_id), next);
    done = done.logical_or(next.eq(eos_id));
    next = next.unsqueeze(1);
    steps.push_back(next);
    if (done.all().item<bool>()) break;
  }
  const torch::Tensor cpu = torch::cat(steps, 1).to(torch::kCPU);
  const auto acc = cpu.accessor<int64_t, 2>();
  std::vector<std::vector<int>> out(batch);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 1; t < cpu.size(1); ++t) {
      const int id = static_cast<int>(acc[b][t]);
      if (id == eos_id || id == pad_id) break;
      out[b].push_back(id);
    }
  return out;
}

// ---- batches --------------------------------------------------------------------------------

Batch make_translation_batch(const std::vector<TokenPair>& pairs, const std::vector<int64_t>& rows, int bos_id,
                             int pad_id) {
  size_t s_len = 1, t_len = 1;
  for (int64_t r : rows) {
    s_len = std::max(s_len, pairs[r].source.size());
    t_len = std::max(t_len, pairs[r].target.size());
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  torch::Tensor src = torch::full({n, static_cast<int64_t>(s_len)}, pad_id, torch::kLong);
  torch::Tensor tgt = torch::full({n, static_cast<int64_t>(t_len)}, pad_id, torch::kLong);
  torch::Tensor dec = torch::full({n, static_cast<int64_t>(t_len)}, pad_id, torch::kLong);
  auto s = src.accessor<int64_t, 2>(), t = tgt.accessor<int64_t, 2>(), d = dec.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const TokenPair& p = pairs[rows[i]];
    for (size_t j = 0; j < p.source.size(); ++j) s[i][j] = p.source[j];
    d[i][0] = bos_id;
    for (size_t j = 0; j < p.target.size(); ++j) {
      t[i][j] = p.target[j];
      if (j + 1 < t_len && j + 1 < p.target.size()) d[i][j + 1] = p.target[j];
    }
  }
  Batch b;
  b.inputs = src;
  b.targets = tgt;
  b.weights = tgt.ne(pad_id).to(torch::kFloat);
  b.extras["decoder_inputs"] = dec;
  return b;
}

namespace {
// Fisher-Yates with the raw generator: the same order on every platform.
template <typename T>
void shuffle_in_place(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}
}  // namespace

TranslationBatchStream::TranslationBatchStream(const std::vector<TokenPair>& pairs, int64_t global_batch_size,
                                               uint64_t seed, DistInfo dist, int bos_id, int pad_id,
                                               torch::Device device)
    : pairs_(pairs),
      global_batch_(global_batch_size),
      dist_(dist),
      bos_id_(bos_id),
      pad_id_(pad_id),
      device_(device),
      rng_(derive_seed(seed, "bible_translate_batches")) {
  if (global_batch_size < dist.world_size)
    throw std::invalid_argument("bible_translate: global batch " + std::to_string(global_batch_size) +
                                " smaller than the world size");
  if (pairs.size() < static_cast<size_t>(global_batch_size))
    throw std::invalid_argument("bible_translate: fewer training pairs than one batch");
}

void TranslationBatchStream::new_epoch() {
  std::vector<int64_t> order(pairs_.size());
  std::iota(order.begin(), order.end(), 0);
  shuffle_in_place(order, rng_);
  batches_.clear();
  const size_t window = static_cast<size_t>(global_batch_) * 32;
  const size_t usable = order.size() / global_batch_ * global_batch_;  // drop the ragged end
  for (size_t w = 0; w < usable; w += window) {
    const size_t end = std::min(usable, w + window);
    std::stable_sort(order.begin() + w, order.begin() + end, [&](int64_t a, int64_t b) {
      return std::max(pairs_[a].source.size(), pairs_[a].target.size()) <
             std::max(pairs_[b].source.size(), pairs_[b].target.size());
    });
    for (size_t i = w; i < end; i += global_batch_) batches_.emplace_back(order.begin() + i, order.begin() + i + global_batch_);
  }
  shuffle_in_place(batches_, rng_);
  cursor_ = 0;
}

Batch TranslationBatchStream::next() {
  if (cursor_ >= batches_.size()) new_epoch();
  const std::vector<int64_t>& global = batches_[cursor_++];
  const int64_t begin = global_batch_ * dist_.rank / dist_.world_size;
  const int64_t end = global_batch_ * (dist_.rank + 1) / dist_.world_size;
  Batch b = make_translation_batch(pairs_, std::vector<int64_t>(global.begin() + begin, global.begin() + end),
                                   bos_id_, pad_id_);
  return device_.is_cpu() ? b : b.to(device_, /*non_blocking=*/true);
}

// ---- workload -------------------------------------------------------------------------------

namespace {

struct EvalSet {
  std::vector<TokenPair> pairs;         // sorted by source length (little padding when batched)
  std::vector<std::string> references;  // Spanish text, same order
};

struct TranslateSettings {
  TranslationModelConfig model;
  int64_t max_train_tokens = 96;      // training pairs longer on either side are left out
  int64_t eval_sentences = 128;       // per split: a fixed, evenly spread subset
  int64_t eval_batch_size = 128;
  double decode_length_ratio = 1.5;   // greedy decoding stops after ratio * source length + 8 tokens
};

class BibleTranslate final : public Workload {
 public:
  BibleTranslate(WorkloadSpec spec, TranslateSettings settings) : spec_(std::move(spec)), settings_(settings) {}

  const WorkloadSpec& spec() const override { return spec_; }

  void load_data(const DataOptions& options) override {
    device_ = options.device;
    const std::string dir = require_dataset(bible_dataset(), options, spec_.name);
    BibleCorpus corpus = load_bible_corpus(dir);
    tokenizer_ = std::make_unique<Tokenizer>(corpus.tokenizer);
    if (tokenizer_->vocab_size() != settings_.model.vocab_size)
      throw DataError(dir + "/tokenizer.model: vocabulary of " + std::to_string(tokenizer_->vocab_size()) +
                      " pieces, " + spec_.name + " expects " + std::to_string(settings_.model.vocab_size) +
                      "; run: trainperf data prepare --workload " + spec_.name + " --force");
    train_.clear();
    for (const BiblePair& p : corpus.train) {
      TokenPair t = encode(p);
      if (static_cast<int64_t>(std::max(t.source.size(), t.target.size())) <= settings_.max_train_tokens)
        train_.push_back(std::move(t));
    }
    // eval_train: an evenly spread subset of the training pairs, like validation and test.
    eval_[static_cast<int>(Split::EvalTrain)] = make_eval_set(corpus.train);
    eval_[static_cast<int>(Split::Validation)] = make_eval_set(corpus.validation);
    eval_[static_cast<int>(Split::Test)] = make_eval_set(corpus.test);
    spec_.num_train_examples = static_cast<int64_t>(train_.size());
    spec_.num_eval_train_examples = static_cast<int64_t>(eval_[0].pairs.size());
    spec_.num_validation_examples = static_cast<int64_t>(eval_[1].pairs.size());
    spec_.num_test_examples = static_cast<int64_t>(eval_[2].pairs.size());
  }

  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed, const DistInfo& dist) override {
    if (!tokenizer_) throw std::logic_error(spec_.name + ": train_stream before load_data");
    return std::make_unique<TranslationBatchStream>(train_, global_batch_size, seed, dist, Tokenizer::kBosId,
                                                    Tokenizer::kPadId, device_);
  }

  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override {
    torch::manual_seed(torch_seed(seed));
    auto model = std::make_shared<TranslationModel>(settings_.model, options.dropout_rate);
    model->to(device_);
    return model;
  }

  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double label_smoothing) const override {
    const int64_t vocab = logits.size(-1);
    return softmax_cross_entropy(logits.reshape({-1, vocab}), batch.targets.reshape({-1}),
                                 batch.weights.reshape({-1}), label_smoothing);
  }

  Metrics evaluate(Model& model, Split split, Communicator& comm) override {
    auto* translator = dynamic_cast<TranslationModel*>(&model);
    if (translator == nullptr) throw std::logic_error(spec_.name + ": evaluate with a foreign model");
    const EvalSet& set = eval_[static_cast<int>(split)];
    const DistInfo dist = comm.info();
    const int64_t n = static_cast<int64_t>(set.pairs.size());
    const int64_t begin = n * dist.rank / dist.world_size, end = n * (dist.rank + 1) / dist.world_size;
    torch::NoGradGuard no_grad;
    model.eval();
    double loss_sum = 0, tokens = 0;
    BleuStats bleu;
    for (int64_t i = begin; i < end; i += settings_.eval_batch_size) {
      std::vector<int64_t> rows(static_cast<size_t>(std::min(settings_.eval_batch_size, end - i)));
      std::iota(rows.begin(), rows.end(), i);
      const Batch b = make_translation_batch(set.pairs, rows, Tokenizer::kBosId, Tokenizer::kPadId).to(device_);
      const LossOutput l = loss(model_fn(model, b, ForwardMode::Eval), b, 0.0);
      loss_sum += l.summed.item<double>();
      tokens += l.count.item<double>();
      const int64_t max_new = static_cast<int64_t>(std::ceil(settings_.decode_length_ratio * b.inputs.size(1))) + 8;
      const auto hyps = greedy_decode(*translator, b.inputs, max_new, Tokenizer::kBosId, Tokenizer::kEosId,
                                      Tokenizer::kPadId);
      for (size_t k = 0; k < rows.size(); ++k)
        bleu += bleu_sentence_stats(tokenizer_->decode(hyps[k]), set.references[rows[k]]);
    }
    std::vector<double> stats = bleu.to_vector();
    stats.push_back(loss_sum);
    stats.push_back(tokens);
    stats.push_back(static_cast<double>(end - begin));
    std::vector<torch::Tensor> sums = {torch::tensor(stats, torch::kDouble).to(device_)};
    comm.all_reduce_sum(sums);
    const torch::Tensor total = sums[0].to(torch::kCPU);
    std::vector<double> t(total.data_ptr<double>(), total.data_ptr<double>() + total.numel());
    const size_t k = t.size();
    const BleuStats all = BleuStats::from_vector(std::vector<double>(t.begin(), t.end() - 3));
    return {{"bleu", bleu_score(all)}, {"loss", t[k - 3] / std::max(1.0, t[k - 2])}, {"num_examples", t[k - 1]}};
  }

 private:
  TokenPair encode(const BiblePair& p) const {
    TokenPair t;
    for (int id : tokenizer_->encode(p.english)) t.source.push_back(id);
    t.source.push_back(Tokenizer::kEosId);
    for (int id : tokenizer_->encode(p.spanish)) t.target.push_back(id);
    t.target.push_back(Tokenizer::kEosId);
    return t;
  }

  // Up to eval_sentences pairs spread evenly over the split (every k-th), truncated to the
  // model's length; sorted by source length.
  EvalSet make_eval_set(const std::vector<BiblePair>& pairs) const {
    const int64_t n = static_cast<int64_t>(pairs.size());
    const int64_t take = std::min(n, settings_.eval_sentences);
    std::vector<std::pair<TokenPair, std::string>> chosen;
    const size_t cap = static_cast<size_t>(settings_.model.max_length / 2);
    for (int64_t i = 0; i < take; ++i) {
      const BiblePair& p = pairs[static_cast<size_t>(i * n / take)];
      TokenPair t = encode(p);
      if (t.source.size() > cap) t.source.resize(cap);
      if (t.target.size() > cap) t.target.resize(cap);
      chosen.emplace_back(std::move(t), p.spanish);
    }
    std::stable_sort(chosen.begin(), chosen.end(),
                     [](const auto& a, const auto& b) { return a.first.source.size() < b.first.source.size(); });
    EvalSet set;
    for (auto& [t, ref] : chosen) {
      set.pairs.push_back(std::move(t));
      set.references.push_back(std::move(ref));
    }
    return set;
  }

  WorkloadSpec spec_;
  TranslateSettings settings_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<TokenPair> train_;
  std::array<EvalSet, 3> eval_;
};

WorkloadSpec bible_spec() {
  WorkloadSpec s;
  s.name = "bible_translate";
  s.description =
      "EN->ES (KJV -> Reina-Valera 1909) encoder-decoder transformer, 2+2 layers d64, BLEU; AlgoPerf wmt analog";
  s.target_metric = "bleu";
  s.goal = Goal::Maximize;
  s.eval_period_reference_steps = 90;  // ~10 evaluations per budget (an evaluation decodes: costly)
  s.reference_batch_size = 32;
  // targets, budget (in reference steps), step hint
  return with_targets(s);  // targets/bible_translate.json
}

TranslateSettings base_settings() { return TranslateSettings{}; }

// Held-out variant (AlgoPerf's wmt_glu_tanh): GLU feed-forward blocks with tanh.
WorkloadSpec glu_tanh_spec() {
  return held_out_variant(bible_spec(), "glu_tanh",
                          "bible_translate with GLU feed-forward blocks and tanh (held-out variant, AlgoPerf wmt_glu_tanh)");
}

// Held-out variant (AlgoPerf's wmt_post_ln): LayerNorm after each residual sum.
WorkloadSpec bible_post_ln_spec() {
  return held_out_variant(bible_spec(), "post_ln",
                          "bible_translate with post-LN layers (held-out variant, AlgoPerf wmt_post_ln)");
}

}  // namespace

void register_workloads(WorkloadRegistry& registry) {
  registry.add({"bible_translate", bible_spec().description,
                [] { return std::make_unique<BibleTranslate>(bible_spec(), base_settings()); },
                {bible_dataset()}});
  registry.add({"bible_translate_glu_tanh", glu_tanh_spec().description,
                [] {
                  TranslateSettings t = base_settings();
                  t.model.glu = true;
                  t.model.activation = nn::Activation::Tanh;
                  return std::make_unique<BibleTranslate>(glu_tanh_spec(), t);
                },
                {bible_dataset()}});
  registry.add({"bible_translate_post_ln", bible_post_ln_spec().description,
                [] {
                  TranslateSettings t = base_settings();
                  t.model.pre_ln = false;
                  return std::make_unique<BibleTranslate>(bible_post_ln_spec(), t);
                },
                {bible_dataset()}});
}

}  // namespace trainperf::workload::bible_translate
