// WAV reader, log-mel features, transcripts, the feature file format, batching and SpecAugment.
#include <trainperf/seeding.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "data/dataset_cache.h"
#include "workloads/speech/speech.h"

namespace trainperf::workload::speech {

namespace {

uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
uint16_t le16(const std::string& b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}
uint64_t le64(const std::string& b, size_t at) {
  return static_cast<uint64_t>(le32(b, at)) | (static_cast<uint64_t>(le32(b, at + 4)) << 32);
}
void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put64(std::string& out, uint64_t v) {
  put32(out, static_cast<uint32_t>(v));
  put32(out, static_cast<uint32_t>(v >> 32));
}

constexpr char kFeatMagic[8] = {'T', 'P', 'S', 'P', 'F', 'E', 'A', 'T'};

}  // namespace

WavAudio parse_wav(const std::string& b, const std::string& origin) {
  auto fail = [&](const std::string& what) { return DataError(origin + ": not a usable WAV file: " + what); };
  if (b.size() < 12 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WAVE") != 0)
    throw fail("no RIFF/WAVE header");
  size_t at = 12;
  bool have_fmt = false;
  WavAudio w;
  while (true) {
    if (at + 8 > b.size()) throw fail(have_fmt ? "no data chunk (truncated?)" : "no fmt chunk (truncated?)");
    const std::string id = b.substr(at, 4);
    const uint32_t size = le32(b, at + 4);
    const size_t body = at + 8;
    if (id == "fmt ") {
      if (size < 16 || body + size > b.size()) throw fail("truncated fmt chunk");
      const uint16_t format = le16(b, body), channels = le16(b, body + 2), bits = le16(b, body + 14);
      if (format != 1) throw fail("format " + std::to_string(format) + " is not PCM");
      if (channels != 1) throw fail(std::to_string(channels) + " channels (mono expected)");
      if (bits != 16) throw fail(std::to_string(bits) + "-bit samples (16 expected)");
      w.sample_rate = static_cast<int>(le32(b, body + 4));
      if (w.sample_rate <= 0) throw fail("sample rate 0");
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) throw fail("data chunk before fmt chunk");
      if (body + size > b.size())
        throw fail("truncated: data chunk of " + std::to_string(size) + " bytes, " +
                   std::to_string(b.size() - body) + " present");
      if (size % 2 != 0) throw fail("odd data chunk size");
      w.samples.resize(size / 2);
      for (size_t i = 0; i < w.samples.size(); ++i) w.samples[i] = static_cast<int16_t>(le16(b, body + 2 * i));
      return w;
    }
    at = body + size + (size & 1);
  }
}

WavAudio read_wav(const std::string& path) { return parse_wav(read_file(path), path); }

torch::Tensor mel_filterbank(int64_t n_fft, int sample_rate, const FeatureConfig& c) {
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  auto hz = [](double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); };
  const int64_t bins = n_fft / 2 + 1, M = c.num_mels;
  const double lo = mel(c.fmin), hi = mel(std::min(c.fmax, sample_rate / 2.0));
  std::vector<double> edges(M + 2);
  for (int64_t i = 0; i < M + 2; ++i) edges[i] = hz(lo + (hi - lo) * i / (M + 1));
  torch::Tensor fb = torch::zeros({bins, M}, torch::kFloat);
  auto a = fb.accessor<float, 2>();
  for (int64_t k = 0; k < bins; ++k) {
    const double f = static_cast<double>(k) * sample_rate / n_fft;
    for (int64_t m = 0; m < M; ++m) {
      const double l = edges[m], ctr = edges[m + 1], r = edges[m + 2];
      double v = 0;
      if (f > l && f < ctr) v = (f - l) / (ctr - l);
      else if (f >= ctr && f < r) v = (r - f) / (r - ctr);
      a[k][m] = static_cast<float>(v);
    }
  }
  return fb;
}

torch::Tensor log_mel_features(const std::vector<int16_t>& samples, int sample_rate, const FeatureConfig& c) {
  const int64_t win = std::llround(c.window_s * sample_rate), hop = std::llround(c.hop_s * sample_rate);
  int64_t n_fft = 1;
  while (n_fft < win) n_fft *= 2;
  std::vector<float> x(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) x[i] = samples[i] / 32768.0f;
  if (static_cast<int64_t>(x.size()) < n_fft) x.resize(n_fft, 0.0f);
  torch::Tensor audio = torch::from_blob(x.data(), {static_cast<int64_t>(x.size())}, torch::kFloat).clone();
  torch::Tensor spec = torch::stft(audio, n_fft, hop, win, torch::hann_window(win, torch::kFloat), /*center=*/true,
                                   "reflect", /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
  torch::Tensor power = spec.abs().pow(2).t();  // [frames, bins]
  torch::Tensor feats = torch::log(torch::matmul(power, mel_filterbank(n_fft, sample_rate, c)) + 1e-6);
  torch::Tensor mean = feats.mean(0, true), std = feats.std(0, /*unbiased=*/false, true);
  return ((feats - mean) / (std + 1e-5)).contiguous();
}

std::string normalize_transcript(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char ch : text) {
    char c = static_cast<char>(std::tolower(ch));
    if ((c >= 'a' && c <= 'z') || c == '\'') {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
    } else {
      space = true;
    }
  }
  return out;
}

std::vector<int64_t> encode_transcript(const std::string& s) {
  std::vector<int64_t> ids;
  ids.reserve(s.size());
  for (char c : s) {
    if (c == ' ') ids.push_back(1);
    else if (c == '\'') ids.push_back(2);
    else if (c >= 'a' && c <= 'z') ids.push_back(3 + (c - 'a'));
    else throw std::invalid_argument(std::string("encode_transcript: character '") + c + "' not in the vocabulary");
  }
  return ids;
}

std::string decode_ids(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) {
    if (id == 1) s.push_back(' ');
    else if (id == 2) s.push_back('\'');
    else if (id >= 3 && id < kSpeechVocab) s.push_back(static_cast<char>('a' + (id - 3)));
  }
  return s;
}

std::string ctc_greedy_decode(const int64_t* best, int64_t length) {
  std::vector<int64_t> out;
  int64_t prev = -1;
  for (int64_t t = 0; t < length; ++t) {
    if (best[t] != prev && best[t] != 0) out.push_back(best[t]);
    prev = best[t];
  }
  return decode_ids(out);
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

int64_t word_edit_distance(const std::string& hypothesis, const std::string& reference) {
  const auto h = split_words(hypothesis), r = split_words(reference);
  std::vector<int64_t> prev(r.size() + 1), cur(r.size() + 1);
  for (size_t j = 0; j <= r.size(); ++j) prev[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= h.size(); ++i) {
    cur[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= r.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (h[i - 1] == r[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[r.size()];
}

std::string serialize_features(const std::vector<torch::Tensor>& utterances) {
  const int64_t M = utterances.empty() ? 0 : utterances[0].size(1);
  std::string out(kFeatMagic, 8);
  put32(out, static_cast<uint32_t>(utterances.size()));
  put32(out, static_cast<uint32_t>(M));
  uint64_t total = 0;
  put64(out, 0);
  for (const auto& u : utterances) {
    if (u.dim() != 2 || u.size(1) != M) throw std::invalid_argument("serialize_features: inconsistent shapes");
    total += static_cast<uint64_t>(u.size(0));
    put64(out, total);
  }
  for (const auto& u : utterances) {
    torch::Tensor f = u.to(torch::kFloat).contiguous();
    const auto* p = f.data_ptr<float>();
    for (int64_t i = 0; i < f.numel(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, p + i, 4);
      put32(out, bits);
    }
  }
  return out;
}

FeatureSet parse_features(const std::string& b, const std::string& origin) {
  auto fail = [&](const std::string& what) {
    return DataError(origin + ": corrupt feature file (" + what + "); rebuild with `trainperf data prepare --force`");
  };
  if (b.size() < 16 || b.compare(0, 8, std::string(kFeatMagic, 8)) != 0) throw fail("bad header");
  const uint64_t n = le32(b, 8), M = le32(b, 12);
  const size_t header = 16 + 8 * (n + 1);
  if (b.size() < header) throw fail("truncated offsets");
  FeatureSet s;
  s.offsets.resize(n + 1);
  for (uint64_t i = 0; i <= n; ++i) {
    s.offsets[i] = static_cast<int64_t>(le64(b, 16 + 8 * i));
    if (i == 0 ? s.offsets[0] != 0 : s.offsets[i] < s.offsets[i - 1]) throw fail("offsets not increasing");
  }
  const uint64_t total = static_cast<uint64_t>(s.offsets[n]);
  if (b.size() != header + 4 * total * M)
    throw fail("size " + std::to_string(b.size()) + " bytes, expected " + std::to_string(header + 4 * total * M));
  s.features = torch::empty({static_cast<int64_t>(total), static_cast<int64_t>(M)}, torch::kFloat);
  float* p = s.features.data_ptr<float>();
  for (uint64_t i = 0; i < total * M; ++i) {
    const uint32_t bits = le32(b, header + 4 * i);
    std::memcpy(p + i, &bits, 4);
  }
  return s;
}

FeatureSet read_feature_set(const std::string& dir, const std::string& stem) {
  FeatureSet s = parse_features(read_file(dir + "/" + stem + ".feats"), dir + "/" + stem + ".feats");
  const std::string txt_path = dir + "/" + stem + ".txt";
  std::istringstream in(read_file(txt_path));
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.rfind('\t');
    std::string text = tab == std::string::npos ? line : line.substr(tab + 1);
    if (text.empty() || normalize_transcript(text) != text)
      throw DataError(txt_path + ":" + std::to_string(s.texts.size() + 1) + ": not a normalized transcript");
    s.texts.push_back(text);
  }
  if (s.texts.size() + 1 != s.offsets.size())
    throw DataError(txt_path + ": " + std::to_string(s.texts.size()) + " transcripts for " +
                    std::to_string(s.offsets.size() - 1) + " feature sequences");
  return s;
}

int64_t subsampled_length(int64_t frames) {
  const int64_t t1 = frames >= 3 ? (frames - 3) / 2 + 1 : 0;
  return t1 >= 3 ? (t1 - 3) / 2 + 1 : 0;
}

torch::Tensor subsampled_lengths(const torch::Tensor& lengths) {
  torch::Tensor t1 = ((lengths - 3).div(2, "floor") + 1).clamp_min(0);
  return ((t1 - 3).div(2, "floor") + 1).clamp_min(0);
}

Batch make_speech_batch(const FeatureSet& set, const std::vector<int64_t>& idx, const SpecAugment* aug,
                        const std::vector<uint64_t>& seeds) {
  const int64_t B = static_cast<int64_t>(idx.size()), M = set.features.size(1);
  int64_t T = 1, L = 1;
  std::vector<std::vector<int64_t>> targets(B);
  for (int64_t i = 0; i < B; ++i) {
    T = std::max(T, set.frames(idx[i]));
    targets[i] = encode_transcript(set.texts[idx[i]]);
    L = std::max<int64_t>(L, static_cast<int64_t>(targets[i].size()));
  }
  Batch b;
  b.inputs = torch::zeros({B, T, M}, torch::kFloat);
  b.targets = torch::zeros({B, L}, torch::kLong);
  torch::Tensor in_len = torch::empty({B}, torch::kLong), tgt_len = torch::empty({B}, torch::kLong);
  for (int64_t i = 0; i < B; ++i) {
    const int64_t n = set.frames(idx[i]);
    torch::Tensor x = b.inputs[i].narrow(0, 0, n);
    x.copy_(set.features.narrow(0, set.offsets[idx[i]], n));
    if (aug && aug->enabled) {
      std::mt19937_64 rng(seeds.at(i));
      auto uniform = [&](int64_t hi) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(hi + 1)); };
      for (int64_t k = 0; k < aug->freq_masks; ++k) {
        const int64_t w = uniform(aug->max_freq_width), f0 = uniform(M - w);
        if (w > 0) x.narrow(1, f0, w).zero_();
      }
      const int64_t max_w = std::min<int64_t>(aug->max_time_width, static_cast<int64_t>(aug->max_time_fraction * n));
      for (int64_t k = 0; k < aug->time_masks && max_w > 0; ++k) {
        const int64_t w = uniform(max_w), t0 = uniform(n - w);
        if (w > 0) x.narrow(0, t0, w).zero_();
      }
    }
    in_len[i] = n;
    tgt_len[i] = static_cast<int64_t>(targets[i].size());
    b.targets[i].narrow(0, 0, tgt_len[i].item<int64_t>()).copy_(torch::tensor(targets[i], torch::kLong));
  }
  b.extras["input_lengths"] = in_len;
  b.extras["target_lengths"] = tgt_len;
  return b;
}

LossOutput ctc_loss_sum(const torch::Tensor& logits, const Batch& batch) {
  torch::Tensor logp = torch::log_softmax(logits.to(torch::kFloat), -1).transpose(0, 1);  // [T, B, C]
  torch::Tensor out_len = subsampled_lengths(batch.extras.at("input_lengths")).clamp_max(logits.size(1));
  torch::Tensor per = torch::ctc_loss(logp, batch.targets, out_len, batch.extras.at("target_lengths"),
                                      /*blank=*/0, /*reduction=*/at::Reduction::None, /*zero_infinity=*/true);
  LossOutput out;
  out.per_example = per;
  out.summed = per.sum();
  out.count = torch::tensor(static_cast<float>(per.size(0)), per.options());
  return out;
}

}  // namespace trainperf::workload::speech
