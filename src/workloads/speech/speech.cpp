// speech_conformer and speech_lstm: character CTC on espeak-ng speech (AlgoPerf's
// librispeech_conformer and librispeech_deepspeech analogs) and their held-out variants.
// Data: the "speech" prepared dataset (speech_dataset.cpp). Sizing: docs/workloads/speech_conformer.md.
#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "data/dataset_cache.h"
#include "workloads/registry.h"
#include "workloads/speech/speech.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::speech {

namespace {

// Reshuffled every epoch; rank r takes positions [r*b/w, (r+1)*b/w) of every global batch. The
// SpecAugment masks of an utterance depend on the seed and its position in the global stream only.
class SpeechStream final : public BatchStream {
 public:
  SpeechStream(std::shared_ptr<const FeatureSet> set, int64_t global_batch, uint64_t seed, DistInfo dist,
               SpecAugment aug)
      : set_(std::move(set)), global_(global_batch), seed_(seed), aug_(aug) {
    if (global_ <= 0 || global_ % dist.world_size != 0)
      throw std::invalid_argument("global batch size " + std::to_string(global_) +
                                  " must be positive and divisible by the world size " +
                                  std::to_string(dist.world_size));
    if (global_ > set_->size())
      throw std::invalid_argument("batch size " + std::to_string(global_) + " exceeds the " +
                                  std::to_string(set_->size()) + " training utterances");
    local_ = global_ / dist.world_size;
    offset_ = dist.rank * local_;
  }
  Batch next() override {
    if (order_.empty() || cursor_ + global_ > static_cast<int64_t>(order_.size())) {
      order_.resize(set_->size());
      std::iota(order_.begin(), order_.end(), 0);
      std::mt19937_64 rng(derive_seed(seed_, "speech_epoch", static_cast<uint64_t>(++epoch_)));
      for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng() % i]);
      cursor_ = 0;
    }
    std::vector<int64_t> idx(order_.begin() + cursor_ + offset_, order_.begin() + cursor_ + offset_ + local_);
    std::vector<uint64_t> seeds(local_);
    for (int64_t j = 0; j < local_; ++j)
      seeds[j] = derive_seed(seed_, "specaug", static_cast<uint64_t>(position_ + offset_ + j));
    cursor_ += global_;
    position_ += global_;
    return make_speech_batch(*set_, idx, &aug_, seeds);
  }

 private:
  std::shared_ptr<const FeatureSet> set_;
  int64_t global_, local_ = 0, offset_ = 0, cursor_ = 0, epoch_ = -1, position_ = 0;
  uint64_t seed_;
  SpecAugment aug_;
  std::vector<int64_t> order_;
};

}  // namespace

std::unique_ptr<BatchStream> make_speech_stream(std::shared_ptr<const FeatureSet> set, int64_t global_batch,
                                                uint64_t seed, const DistInfo& dist, const SpecAugment& aug) {
  return std::make_unique<SpeechStream>(std::move(set), global_batch, seed, dist, aug);
}

namespace {

enum class Kind { Conformer, Lstm };

class SpeechWorkload final : public Workload {
 public:
  SpeechWorkload(WorkloadSpec spec, Kind kind, ConformerConfig conformer, LstmConfig lstm)
      : spec_(std::move(spec)), kind_(kind), conformer_(conformer), lstm_(lstm) {}

  const WorkloadSpec& spec() const override { return spec_; }

  void load_data(const DataOptions& options) override {
    const std::string dir = require_dataset(speech_dataset(), options, spec_.name);
    device_ = options.device;
    train_ = std::make_shared<FeatureSet>(read_feature_set(dir, "train"));
    const int64_t M = kind_ == Kind::Conformer ? conformer_.num_mels : lstm_.num_mels;
    FeatureSet val = read_feature_set(dir, "validation"), test = read_feature_set(dir, "test"),
               libri = read_feature_set(dir, "librivox");
    for (const FeatureSet* s : {train_.get(), &val, &test, &libri})
      if (s->features.size(1) != M)
        throw DataError(dir + ": features have " + std::to_string(s->features.size(1)) + " mel bins, the model " +
                        std::to_string(M) + " (rebuild with `trainperf data prepare --workload " + spec_.name +
                        " --force`)");
    // eval_train: a fixed subset of the training utterances as large as the validation split.
    std::vector<int64_t> all(train_->size());
    std::iota(all.begin(), all.end(), 0);
    std::mt19937_64 rng(derive_seed(0, "speech_eval_train"));
    for (size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[rng() % i]);
    all.resize(std::min<size_t>(all.size(), val.size()));
    std::sort(all.begin(), all.end());
    eval_[0] = batches(*train_, all);
    eval_[1] = batches(val, range(val.size()));
    eval_[2] = batches(test, range(test.size()));
    librivox_ = batches(libri, range(libri.size()));
    spec_.num_train_examples = train_->size();
    spec_.num_eval_train_examples = static_cast<int64_t>(all.size());
    spec_.num_validation_examples = val.size();
    spec_.num_test_examples = test.size();
  }

  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed, const DistInfo& dist) override {
    if (!train_) throw std::logic_error(spec_.name + ": train_stream before load_data");
    SpecAugment aug;
    std::unique_ptr<BatchStream> s = std::make_unique<SpeechStream>(train_, global_batch_size, seed, dist, aug);
    if (device_.is_cpu()) return s;
    return std::make_unique<DeviceBatchStreamLocal>(std::move(s), device_);
  }

  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override {
    torch::manual_seed(torch_seed(seed));
    ModelPtr m = kind_ == Kind::Conformer ? make_conformer(conformer_, options) : make_lstm(lstm_, options);
    m->to(device_);
    return m;
  }

  // The default kinds, except that torch::nn::LSTM's input/recurrent matrices are dense weights.
  std::vector<ParamInfo> param_infos(Model& model) const override {
    std::vector<ParamInfo> infos = Workload::param_infos(model);
    for (auto& p : infos)
      if (p.name.rfind("lstm.", 0) == 0 && p.name.find("weight_") != std::string::npos) p.type = ParamType::Weight;
    return infos;
  }

  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double /*label_smoothing*/) const override {
    return ctc_loss_sum(logits, batch);
  }

  Metrics evaluate(Model& model, Split split, Communicator& comm) override {
    const auto& data = eval_[static_cast<int>(split)];
    if (data.empty()) throw std::logic_error(spec_.name + ": evaluate before load_data");
    const DistInfo dist = comm.info();
    auto opts = torch::TensorOptions().dtype(torch::kDouble).device(device_);
    torch::Tensor sums = torch::zeros({4}, opts);  // loss, utterances, word errors, reference words
    for (size_t i = static_cast<size_t>(dist.rank); i < data.size(); i += static_cast<size_t>(dist.world_size))
      sums += score(model, data[i].batch, data[i].texts);
    std::vector<torch::Tensor> v = {sums};
    comm.all_reduce_sum(v);
    const torch::Tensor s = v[0].cpu();
    const double n = s[1].item<double>();
    Metrics m = {{"loss", s[0].item<double>() / std::max(n, 1.0)},
                 {"wer", s[2].item<double>() / std::max(s[3].item<double>(), 1.0)},
                 {"num_examples", n}};
    if (split == Split::Test) {  // the honest extra: real read speech, every rank scores all of it
      torch::Tensor l = torch::zeros({4}, opts);
      for (const auto& b : librivox_) l += score(model, b.batch, b.texts);
      m["librivox_wer"] = l[2].item<double>() / std::max(l[3].item<double>(), 1.0);
    }
    return m;
  }

 private:
  struct EvalBatch {
    Batch batch;
    std::vector<std::string> texts;
  };

  // Cross-device copy of a stream (kept local so the workload does not depend on tensor_stream.h).
  class DeviceBatchStreamLocal final : public BatchStream {
   public:
    DeviceBatchStreamLocal(std::unique_ptr<BatchStream> inner, torch::Device device)
        : inner_(std::move(inner)), device_(device) {}
    Batch next() override { return inner_->next().to(device_, true); }

   private:
    std::unique_ptr<BatchStream> inner_;
    torch::Device device_;
  };

  static std::vector<int64_t> range(int64_t n) {
    std::vector<int64_t> v(n);
    std::iota(v.begin(), v.end(), 0);
    return v;
  }

  // Batches of up to 64 utterances of similar length (sorted by frames, ties by index).
  std::vector<EvalBatch> batches(const FeatureSet& set, std::vector<int64_t> idx) const {
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return set.frames(a) < set.frames(b); });
    std::vector<EvalBatch> out;
    for (size_t i = 0; i < idx.size(); i += 64) {
      std::vector<int64_t> part(idx.begin() + i, idx.begin() + std::min(idx.size(), i + 64));
      EvalBatch e;
      e.batch = make_speech_batch(set, part).to(device_);
      for (int64_t j : part) e.texts.push_back(set.texts[j]);
      out.push_back(std::move(e));
    }
    return out;
  }

  torch::Tensor score(Model& model, const Batch& b, const std::vector<std::string>& texts) const {
    torch::NoGradGuard no_grad;
    torch::Tensor logits = model_fn(model, b, ForwardMode::Eval);
    LossOutput l = ctc_loss_sum(logits, b);
    torch::Tensor best = logits.argmax(-1).to(torch::kCPU).contiguous();
    torch::Tensor len = subsampled_lengths(b.extras.at("input_lengths").cpu()).clamp_max(logits.size(1));
    double errors = 0, words = 0;
    for (int64_t i = 0; i < best.size(0); ++i) {
      const std::string hyp = ctc_greedy_decode(best[i].data_ptr<int64_t>(), len[i].item<int64_t>());
      errors += static_cast<double>(word_edit_distance(hyp, texts[i]));
      words += static_cast<double>(split_words(texts[i]).size());
    }
    return torch::stack({l.summed.to(torch::kDouble), l.count.to(torch::kDouble),
                         torch::tensor(errors, torch::kDouble).to(l.summed.device()),
                         torch::tensor(words, torch::kDouble).to(l.summed.device())});
  }

  WorkloadSpec spec_;
  Kind kind_;
  ConformerConfig conformer_;
  LstmConfig lstm_;
  torch::Device device_ = torch::kCPU;
  std::shared_ptr<FeatureSet> train_;
  std::vector<EvalBatch> eval_[3], librivox_;
};

WorkloadSpec base_spec() {
  WorkloadSpec s;
  s.target_metric = "wer";
  s.goal = Goal::Minimize;
  s.reference_batch_size = 32;
  return s;
}

WorkloadSpec conformer_spec() {
  WorkloadSpec s = base_spec();
  s.name = "speech_conformer";
  s.eval_period_reference_steps = 230;  // ~12 evaluations per budget (15 s on one 2026 core)
  s.description = "Conformer (2x48) CTC on espeak-ng speech of Austen clauses; AlgoPerf librispeech_conformer analog";
  return with_targets(s);  // targets/speech_conformer.json
}

WorkloadSpec lstm_spec() {
  WorkloadSpec s = base_spec();
  s.name = "speech_lstm";
  s.eval_period_reference_steps = 140;  // ~15 evaluations per budget (15 s on one 2026 core)
  s.description = "conv subsampling + 2 bi-LSTM (80) CTC on espeak-ng speech; AlgoPerf librispeech_deepspeech analog";
  return with_targets(s);  // targets/speech_lstm.json
}

ConformerConfig conformer_config() { return ConformerConfig{}; }
LstmConfig lstm_config() { return LstmConfig{}; }

}  // namespace

std::unique_ptr<Workload> make_speech_workload(const std::string& name) {
  if (name == "speech_conformer")
    return std::make_unique<SpeechWorkload>(conformer_spec(), Kind::Conformer, conformer_config(), lstm_config());
  if (name == "speech_conformer_gelu") {
    const WorkloadSpec s = held_out_variant(
        conformer_spec(), "gelu", "speech_conformer with GELU instead of Swish in the feed-forward modules (held-out variant)");
    ConformerConfig c = conformer_config();
    c.gelu = true;
    return std::make_unique<SpeechWorkload>(s, Kind::Conformer, c, lstm_config());
  }
  if (name == "speech_lstm")
    return std::make_unique<SpeechWorkload>(lstm_spec(), Kind::Lstm, conformer_config(), lstm_config());
  if (name == "speech_lstm_tanh") {
    const WorkloadSpec s = held_out_variant(
        lstm_spec(), "tanh", "speech_lstm with tanh instead of ReLU after the subsampling convolutions (held-out variant)");
    LstmConfig c = lstm_config();
    c.subsampling.tanh = true;
    return std::make_unique<SpeechWorkload>(s, Kind::Lstm, conformer_config(), c);
  }
  throw std::invalid_argument("make_speech_workload: unknown workload '" + name + "'");
}

void register_workloads(WorkloadRegistry& registry) {
  for (const char* name : {"speech_conformer", "speech_conformer_gelu", "speech_lstm", "speech_lstm_tanh"}) {
    const std::string description = make_speech_workload(name)->spec().description;
    registry.add({name, description, [n = std::string(name)] { return make_speech_workload(n); }, {speech_dataset()}});
  }
}

}  // namespace trainperf::workload::speech
