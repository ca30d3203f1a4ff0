// The "speech" prepared dataset: clauses of Jane Austen's novels (r-cran-janeaustenr, exported with
// Rscript) spoken by espeak-ng voices, stored as log-mel features; plus the real LibriVox clips of
// pocketsphinx-testdata. Splits: training clauses from the four training novels with 8 voices;
// validation (Persuasion) and test (Sense & Sensibility) clauses with 4 held-out voices; a clause
// that also occurs in the training novels is dropped from validation/test.
//
// Files (format: speech.h / docs/workloads/speech_conformer.md):
//   {train,validation,test,librivox}.feats   log-mel features with frame offsets
//   {train,validation,test,librivox}.txt     one line per utterance: voice \t rate \t pitch \t text
#include <espeak-ng/speak_lib.h>

#include <trainperf/seeding.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include "data/dataset_cache.h"
#include "data/r_export.h"
#include "workloads/registry.h"
#include "workloads/speech/speech.h"

namespace trainperf::workload::speech {

namespace {

constexpr const char* kAustenDir = "/usr/lib/R/site-library/janeaustenr";
constexpr const char* kLibrivoxDir = "/usr/share/pocketsphinx/test/data/librivox";
constexpr const char* kInstall =
    "install the data with: apt-get install --no-install-recommends r-base-core r-cran-janeaustenr";
constexpr int64_t kTrain = 4000, kValidation = 300, kTest = 300;
constexpr size_t kMinWords = 3, kMaxWords = 8;
constexpr uint64_t kSeed = 20261129;

const std::vector<std::string> kTrainVoices = {"en-us+m1", "en-us+m3", "en-us+f2",      "en+m2",
                                               "en+m4",    "en+f3",    "en-gb-x-rp+m5", "en-gb-x-rp+f4"};
const std::vector<std::string> kHeldOutVoices = {"en-us+m7", "en-us+f5", "en+f1", "en-gb-scotland+m6"};

std::vector<short>* g_samples = nullptr;
int synth_callback(short* wav, int n, espeak_EVENT*) {
  if (wav && n > 0 && g_samples) g_samples->insert(g_samples->end(), wav, wav + n);
  return 0;
}

// espeak-ng is a process-wide singleton: one initialization, one synthesis at a time.
class Espeak {
 public:
  static Espeak& get() {
    static Espeak e;
    return e;
  }
  int sample_rate() const { return rate_; }
  std::vector<int16_t> speak(const std::string& text, const std::string& voice, int rate, int pitch) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (espeak_SetVoiceByName(voice.c_str()) != EE_OK)
      throw DataError("espeak-ng: unknown voice '" + voice + "' (install espeak-ng-data)");
    if (espeak_SetParameter(espeakRATE, rate, 0) != EE_OK || espeak_SetParameter(espeakPITCH, pitch, 0) != EE_OK)
      throw DataError("espeak-ng: cannot set rate/pitch");
    // Some variants (f2, f3, f5: breathiness) add noise from the C library's rand(): seed it from
    // the utterance so that the same packages give byte-identical audio.
    std::srand(static_cast<unsigned>(hash_tag(voice + "|" + text) & 0xFFFFFFFFu));
    std::vector<short> buf;
    g_samples = &buf;
    const espeak_ERROR err = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                                          nullptr, nullptr);
    espeak_Synchronize();
    g_samples = nullptr;
    if (err != EE_OK) throw DataError("espeak-ng: synthesis failed for '" + text + "'");
    return std::vector<int16_t>(buf.begin(), buf.end());
  }

 private:
  Espeak() {
    rate_ = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (rate_ <= 0) throw DataError("espeak-ng: initialization failed (install libespeak-ng1 and espeak-ng-data)");
    espeak_SetSynthCallback(synth_callback);
  }
  int rate_ = 0;
  std::mutex mutex_;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// Clauses of a text: split at . , ; : ! ? " ( ) and "--", normalized, apostrophes at word edges
// (quotation marks) removed, kMinWords..kMaxWords words.
std::vector<std::string> clauses(std::string text) {
  for (const char* abbr : {"Mr.", "Mrs.", "Dr.", "St.", "Esq."})
    text = replace_all(text, abbr, std::string(abbr).substr(0, std::string(abbr).size() - 1));
  text = replace_all(text, "--", ",");
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string clean;
    for (std::string w : split_words(normalize_transcript(cur))) {
      while (!w.empty() && w.front() == '\'') w.erase(0, 1);
      while (!w.empty() && w.back() == '\'') w.pop_back();
      if (!w.empty()) clean += (clean.empty() ? "" : " ") + w;
    }
    const size_t n = split_words(clean).size();
    if (n >= kMinWords && n <= kMaxWords) out.push_back(clean);
    cur.clear();
  };
  for (char c : text) {
    if (std::string(".,;:!?\"()").find(c) != std::string::npos) flush();
    else cur.push_back(c);
  }
  flush();
  return out;
}

// Deterministic Fisher-Yates with mt19937_64 (std::shuffle's algorithm is unspecified).
template <typename T>
void shuffle(std::vector<T>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

struct Utterance {
  std::string voice, text;
  int rate = 0, pitch = 0;
};

nlohmann::json synthesize_split(PrepareContext& ctx, const std::string& stem, const std::vector<std::string>& texts,
                                const std::vector<std::string>& voices, uint64_t seed, const FeatureConfig& fc) {
  std::mt19937_64 rng(seed);
  Espeak& tts = Espeak::get();
  std::vector<torch::Tensor> feats;
  std::string lines;
  int64_t dropped = 0, frames = 0;
  for (const auto& text : texts) {
    Utterance u{voices[rng() % voices.size()], text, static_cast<int>(130 + rng() % 81),
                static_cast<int>(30 + rng() % 41)};
    torch::Tensor f = log_mel_features(tts.speak(u.text, u.voice, u.rate, u.pitch), tts.sample_rate(), fc);
    // CTC needs at least one output frame per character.
    if (subsampled_length(f.size(0)) < static_cast<int64_t>(u.text.size())) {
      ++dropped;
      continue;
    }
    frames += f.size(0);
    feats.push_back(f);
    lines += u.voice + "\t" + std::to_string(u.rate) + "\t" + std::to_string(u.pitch) + "\t" + u.text + "\n";
  }
  write_file(ctx.out_dir + "/" + stem + ".feats", serialize_features(feats));
  write_file(ctx.out_dir + "/" + stem + ".txt", lines);
  ctx.log(stem + ": " + std::to_string(feats.size()) + " utterances, " + std::to_string(frames) + " frames, " +
          std::to_string(dropped) + " dropped (too fast for CTC)");
  return {{"utterances", feats.size()}, {"frames", frames}, {"dropped_too_short", dropped}, {"voices", voices}};
}

nlohmann::json librivox(PrepareContext& ctx, const FeatureConfig& fc) {
  const std::string dir = kLibrivoxDir;
  std::istringstream in(read_file(ctx.source(dir + "/transcription", "pocketsphinx-testdata")));
  std::vector<torch::Tensor> feats;
  std::string lines;
  for (std::string line; std::getline(in, line);) {
    const size_t open = line.rfind('('), close = line.rfind(')');
    if (line.empty()) continue;
    if (open == std::string::npos || close == std::string::npos || close < open)
      throw DataError(dir + "/transcription: line without (utterance id): " + line);
    const std::string id = line.substr(open + 1, close - open - 1);
    std::string text = line.substr(0, open);
    text = replace_all(replace_all(text, "<s>", " "), "</s>", " ");
    const WavAudio w = read_wav(ctx.source(dir + "/" + id + ".wav", "pocketsphinx-testdata"));
    feats.push_back(log_mel_features(w.samples, w.sample_rate, fc));
    lines += id + "\t" + std::to_string(w.sample_rate) + "\t0\t" + normalize_transcript(text) + "\n";
  }
  write_file(ctx.out_dir + "/librivox.feats", serialize_features(feats));
  write_file(ctx.out_dir + "/librivox.txt", lines);
  return {{"utterances", feats.size()}};
}

}  // namespace

nlohmann::json build_speech_dataset(PrepareContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  for (const char* f : {"/data/Rdata.rdb", "/data/Rdata.rdx", "/data/Rdata.rds"})
    ctx.source(std::string(kAustenDir) + f, "r-cran-janeaustenr");
  const std::string export_path = ctx.out_dir + "/austen_books.tsv";
  ctx.log("exporting janeaustenr::austen_books() with Rscript");
  export_r_table("janeaustenr::austen_books()", {"book", "text"}, export_path, kInstall);
  const RTable table = read_r_export(export_path);
  std::remove(export_path.c_str());
  const size_t book_col = table.column("book", export_path), text_col = table.column("text", export_path);
  std::map<std::string, std::string> books;
  for (const auto& row : table.rows)
    if (row[book_col]) books[*row[book_col]] += " " + row[text_col].value_or("");
  for (const char* b : {"Persuasion", "Sense & Sensibility", "Emma"})
    if (!books.count(b)) throw DataError(export_path + ": no novel '" + std::string(b) + "'");

  std::set<std::string> train_set, val_set, test_set;
  for (const auto& [book, text] : books) {
    auto& dst = book == "Persuasion" ? val_set : book == "Sense & Sensibility" ? test_set : train_set;
    for (auto& c : clauses(text)) dst.insert(c);
  }
  auto held_out = [&](const std::set<std::string>& s) {
    std::vector<std::string> v;
    for (const auto& c : s)
      if (!train_set.count(c)) v.push_back(c);
    return v;
  };
  std::vector<std::string> train(train_set.begin(), train_set.end()), val = held_out(val_set),
                                                                        test = held_out(test_set);
  shuffle(train, derive_seed(kSeed, "train"));
  shuffle(val, derive_seed(kSeed, "validation"));
  shuffle(test, derive_seed(kSeed, "test"));
  nlohmann::json summary = {{"candidate_clauses", {{"train", train.size()}, {"validation", val.size()}, {"test", test.size()}}}};
  train.resize(std::min<size_t>(train.size(), kTrain));
  val.resize(std::min<size_t>(val.size(), kValidation));
  test.resize(std::min<size_t>(test.size(), kTest));

  const FeatureConfig fc;
  ctx.log("synthesizing " + std::to_string(train.size() + val.size() + test.size()) + " utterances with espeak-ng");
  summary["train"] = synthesize_split(ctx, "train", train, kTrainVoices, derive_seed(kSeed, "train_voices"), fc);
  summary["validation"] =
      synthesize_split(ctx, "validation", val, kHeldOutVoices, derive_seed(kSeed, "validation_voices"), fc);
  summary["test"] = synthesize_split(ctx, "test", test, kHeldOutVoices, derive_seed(kSeed, "test_voices"), fc);
  summary["librivox"] = librivox(ctx, fc);
  summary["num_mels"] = fc.num_mels;
  ctx.log("speech dataset built in " +
          std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) + " s");
  return summary;
}

std::vector<int16_t> espeak_synthesize(const std::string& text, const std::string& voice, int rate, int pitch,
                                       int* sample_rate) {
  Espeak& e = Espeak::get();
  if (sample_rate) *sample_rate = e.sample_rate();
  return e.speak(text, voice, rate, pitch);
}

std::vector<std::string> speech_clauses(const std::string& text) { return clauses(text); }

DatasetEntry speech_dataset() {
  DatasetEntry e;
  e.name = kSpeechDataset;
  e.description = "Jane Austen clauses spoken by espeak-ng voices (log-mel features) + pocketsphinx LibriVox clips";
  e.format_version = 2;  // 2: rand() seeded per utterance (breathy variants were not reproducible)
  e.packages = {"r-base-core", "r-cran-janeaustenr", "libespeak-ng1", "espeak-ng-data", "pocketsphinx-testdata"};
  e.build = build_speech_dataset;
  return e;
}

}  // namespace trainperf::workload::speech
