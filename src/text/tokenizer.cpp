#include "text/tokenizer.h"

#include <trainperf/workload.h>

#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace trainperf {

namespace {

// The shim's C interface (src/text/sentencepiece_shim.cpp).
struct SentencePieceApi {
  void (*free)(void*);
  int (*train)(const char* const*, const size_t*, size_t, const char* const*, const char* const*, size_t, char**,
               size_t*, char**);
  void* (*load)(const char*, size_t, char**);
  void (*release)(void*);
  int (*info)(const void*, int);
  int (*encode)(const void*, const char*, size_t, int**, size_t*, char**);
  int (*decode)(const void*, const int*, size_t, char**, size_t*, char**);
  char* (*piece)(const void*, int, size_t*);
};

const SentencePieceApi& api() {
  static const SentencePieceApi loaded = [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("TRAINPERF_SENTENCEPIECE_SHIM")) candidates.push_back(env);
    candidates.push_back(TRAINPERF_SPM_SHIM_BUILD);
    candidates.push_back(TRAINPERF_SPM_SHIM_INSTALL);
    void* handle = nullptr;
    std::string tried;
    for (const std::string& path : candidates) {
      // Local and deep-bound: sentencepiece keeps its own protobuf, LibTorch keeps libprotobuf.
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (handle) break;
      tried += "\n  " + path + ": " + dlerror();
    }
    if (!handle)
      throw std::runtime_error("cannot load the SentencePiece module (build the trainperf_spm target, or set "
                               "TRAINPERF_SENTENCEPIECE_SHIM to libtrainperf_spm.so):" + tried);
    auto sym = [&](const char* name) {
      void* f = dlsym(handle, name);
      if (!f) throw std::runtime_error(std::string("SentencePiece module lacks ") + name);
      return f;
    };
    SentencePieceApi a;
    a.free = reinterpret_cast<decltype(a.free)>(sym("tpspm_free"));
    a.train = reinterpret_cast<decltype(a.train)>(sym("tpspm_train"));
    a.load = reinterpret_cast<decltype(a.load)>(sym("tpspm_load"));
    a.release = reinterpret_cast<decltype(a.release)>(sym("tpspm_release"));
    a.info = reinterpret_cast<decltype(a.info)>(sym("tpspm_info"));
    a.encode = reinterpret_cast<decltype(a.encode)>(sym("tpspm_encode"));
    a.decode = reinterpret_cast<decltype(a.decode)>(sym("tpspm_decode"));
    a.piece = reinterpret_cast<decltype(a.piece)>(sym("tpspm_piece"));
    return a;
  }();
  return loaded;
}

// Takes ownership of a malloc'ed message from the shim.
std::string take(char* message) {
  std::string s = message ? message : "";
  api().free(message);
  return s;
}

}  // namespace

Tokenizer Tokenizer::train(const std::vector<std::string>& sentences, const TokenizerOptions& options) {
  if (sentences.empty()) throw std::invalid_argument("tokenizer: no training sentences");
  if (options.vocab_size < 8) throw std::invalid_argument("tokenizer: vocab_size must be at least 8");
  const std::vector<std::pair<std::string, std::string>> args = {
      {"model_type", options.model == SubwordModel::Bpe ? "bpe" : "unigram"},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"max_sentence_length", std::to_string(options.max_sentence_length)},
      // Determinism: one thread, all sentences in order, no sampling.
      {"num_threads", "1"},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"pad_id", std::to_string(kPadId)},
      {"eos_id", std::to_string(kEosId)},
      {"unk_id", std::to_string(kUnkId)},
      {"bos_id", std::to_string(kBosId)},
      {"minloglevel", "2"},  // SentencePiece logs every EM round to stderr otherwise
  };
  std::vector<const char*> keys, values, texts;
  std::vector<size_t> lens;
  for (const auto& [k, v] : args) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  for (const std::string& s : sentences) {
    texts.push_back(s.data());
    lens.push_back(s.size());
  }
  char *model = nullptr, *error = nullptr;
  size_t model_len = 0;
  if (api().train(texts.data(), lens.data(), texts.size(), keys.data(), values.data(), keys.size(), &model,
                  &model_len, &error) != 0)
    throw std::invalid_argument("tokenizer: SentencePiece training failed: " + take(error));
  const std::string bytes(model, model_len);
  api().free(model);
  return from_bytes(bytes, "<trained model>");
}

Tokenizer Tokenizer::from_bytes(const std::string& bytes, const std::string& origin) {
  char* error = nullptr;
  void* processor = api().load(bytes.data(), bytes.size(), &error);
  if (processor == nullptr) throw DataError(origin + ": not a valid SentencePiece model (" + take(error) + ")");
  std::shared_ptr<void> owned(processor, [](void* p) { api().release(p); });
  if (api().info(processor, 4) == 0) throw DataError(origin + ": not a valid SentencePiece model (no pieces)");
  if (api().info(processor, 0) != kPadId || api().info(processor, 1) != kEosId || api().info(processor, 2) != kUnkId ||
      api().info(processor, 3) != kBosId)
    throw DataError(origin + ": SentencePiece model has other special ids than pad 0, eos 1, unk 2, bos 3");
  Tokenizer t;
  t.processor_ = std::move(owned);
  t.bytes_ = bytes;
  return t;
}

Tokenizer Tokenizer::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open tokenizer model");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  return from_bytes(ss.str(), path);
}

void Tokenizer::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
  if (!out) throw std::runtime_error(path + ": cannot write tokenizer model");
}

std::vector<int> Tokenizer::encode(const std::string& text) const {
  int* ids = nullptr;
  size_t count = 0;
  char* error = nullptr;
  if (api().encode(processor_.get(), text.data(), text.size(), &ids, &count, &error) != 0)
    throw std::runtime_error("tokenizer: encode failed: " + take(error));
  std::vector<int> out(ids, ids + count);
  api().free(ids);
  return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  const int n = vocab_size();
  for (int id : ids)
    if (id < 0 || id >= n)
      throw std::out_of_range("tokenizer: id " + std::to_string(id) + " outside the vocabulary of " +
                              std::to_string(n));
  char *text = nullptr, *error = nullptr;
  size_t len = 0;
  if (api().decode(processor_.get(), ids.data(), ids.size(), &text, &len, &error) != 0)
    throw std::runtime_error("tokenizer: decode failed: " + take(error));
  std::string out(text, len);
  api().free(text);
  return out;
}

std::string Tokenizer::piece(int id) const {
  size_t len = 0;
  char* p = api().piece(processor_.get(), id, &len);
  std::string out(p, len);
  api().free(p);
  return out;
}

int Tokenizer::vocab_size() const { return api().info(processor_.get(), 4); }

}  // namespace trainperf
