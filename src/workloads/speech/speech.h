// Character-level CTC speech recognition on sentences from Jane Austen synthesized by espeak-ng
// (AlgoPerf's librispeech_conformer and librispeech_deepspeech analogs). See
// docs/workloads/speech_conformer.md for the data, features, models, loss, metric and sizing.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trainperf::workload::speech {


inline constexpr const char* kSpeechDataset = "speech";

// ---- WAV (RIFF, PCM 16-bit, mono). Throws DataError naming `origin` on anything else. ----
struct WavAudio {
  int sample_rate = 0;
  std::vector<int16_t> samples;
};
WavAudio parse_wav(const std::string& bytes, const std::string& origin);
WavAudio read_wav(const std::string& path);

// ---- Features: log-mel filterbank (25 ms Hann window, 10 ms hop, torch::stft, HTK mel scale in
// Hz between 20 and 7600 Hz, so any sample rate >= 16 kHz gives comparable features), then each
// mel bin normalized to zero mean and unit variance over the utterance. ----
struct FeatureConfig {
  int64_t num_mels = 40;
  double window_s = 0.025, hop_s = 0.010;
  double fmin = 20.0, fmax = 7600.0;
};
torch::Tensor mel_filterbank(int64_t n_fft, int sample_rate, const FeatureConfig& c);  // [n_fft/2+1, M]
torch::Tensor log_mel_features(const std::vector<int16_t>& samples, int sample_rate,
                               const FeatureConfig& c = {});  // [frames, M] float

// ---- Text: characters of the CTC vocabulary (0 = blank). ----
inline constexpr int64_t kSpeechVocab = 29;  // blank, space, apostrophe, a-z
// Lowercase; letters and apostrophes kept, everything else a word break; spaces collapsed.
std::string normalize_transcript(const std::string& text);
std::vector<int64_t> encode_transcript(const std::string& normalized);  // throws on other chars
std::string decode_ids(const std::vector<int64_t>& ids);
// Greedy CTC: argmax per frame (done by the caller), collapse repeats, drop blanks.
std::string ctc_greedy_decode(const int64_t* best, int64_t length);
// Word-level Levenshtein distance (substitutions, insertions, deletions all cost 1).
int64_t word_edit_distance(const std::string& hypothesis, const std::string& reference);
std::vector<std::string> split_words(const std::string& s);

// ---- The feature file format (see docs): "TPSPFEAT" magic, u32 count, u32 mels, u64 frame
// offsets[count + 1], then float32 features [offsets[count], mels], all little-endian. ----
struct FeatureSet {
  torch::Tensor features;          // [total_frames, M] float
  std::vector<int64_t> offsets;    // count + 1
  std::vector<std::string> texts;  // normalized transcripts
  int64_t size() const { return static_cast<int64_t>(texts.size()); }
  int64_t frames(int64_t i) const { return offsets[i + 1] - offsets[i]; }
};
std::string serialize_features(const std::vector<torch::Tensor>& utterances);
FeatureSet parse_features(const std::string& bytes, const std::string& origin);
// <stem>.feats + <stem>.txt (one "text" per line, in order, after a tab-separated voice/rate/pitch).
FeatureSet read_feature_set(const std::string& dir, const std::string& stem);

// ---- Batching ----
// Subsampled length after two 3x3 stride-2 convolutions (no padding).
int64_t subsampled_length(int64_t frames);
torch::Tensor subsampled_lengths(const torch::Tensor& lengths);
struct SpecAugment {
  int64_t freq_masks = 2, max_freq_width = 6;
  int64_t time_masks = 2, max_time_width = 20;
  double max_time_fraction = 0.1;
  bool enabled = true;
};
// A padded batch of utterances `idx`: inputs [B, T, M], extras input_lengths/target_lengths,
// targets [B, L] (0-padded). With `aug` and `seeds` (one per utterance) applies SpecAugment.
Batch make_speech_batch(const FeatureSet& set, const std::vector<int64_t>& idx, const SpecAugment* aug = nullptr,
                        const std::vector<uint64_t>& seeds = {});

// The training stream: reshuffled every epoch (seeded), rank r takes positions [r*b/w, (r+1)*b/w)
// of every global batch; SpecAugment masks depend on the seed and the global position only.
std::unique_ptr<BatchStream> make_speech_stream(std::shared_ptr<const FeatureSet> set, int64_t global_batch,
                                                uint64_t seed, const DistInfo& dist, const SpecAugment& aug);

// Summed CTC (blank 0, per-utterance sum over the sequence) and the number of utterances.
LossOutput ctc_loss_sum(const torch::Tensor& logits, const Batch& batch);

// ---- Models ----
struct SubsamplingConfig {
  int64_t channels = 8;
  bool tanh = false;  // held-out variant: tanh instead of ReLU after the convolutions
};
struct ConformerConfig {
  int64_t num_mels = 40, vocab = kSpeechVocab;
  SubsamplingConfig subsampling;
  int64_t d_model = 48, num_layers = 2, num_heads = 4, ff_multiplier = 4, conv_kernel = 15;
  bool gelu = false;  // held-out variant: GELU instead of Swish in the feed-forward modules
};
ConformerConfig conformer_full_scale();  // AlgoPerf librispeech_conformer
int64_t conformer_param_count(const ConformerConfig& c);  // by formula
struct LstmConfig {
  int64_t num_mels = 40, vocab = kSpeechVocab;
  SubsamplingConfig subsampling;
  int64_t d_model = 64, hidden = 80, num_layers = 2;
};
LstmConfig lstm_full_scale();  // AlgoPerf librispeech_deepspeech
int64_t lstm_param_count(const LstmConfig& c);

ModelPtr make_conformer(const ConformerConfig& c, const ModelOptions& options);
ModelPtr make_lstm(const LstmConfig& c, const ModelOptions& options);

// ---- Workloads and dataset ----
std::unique_ptr<Workload> make_speech_workload(const std::string& name);
nlohmann::json build_speech_dataset(PrepareContext& ctx);
DatasetEntry speech_dataset();  // "speech": the prepared dataset speech_* read
// espeak-ng synthesis (22,050 Hz int16); DataError for an unknown voice.
std::vector<int16_t> espeak_synthesize(const std::string& text, const std::string& voice, int rate, int pitch,
                                       int* sample_rate = nullptr);
// The builder's clause extraction (normalized, 3-8 words).
std::vector<std::string> speech_clauses(const std::string& text);

}  // namespace trainperf::workload::speech
