// A C interface to Debian's libsentencepiece, built as its own shared module and loaded by
// text/tokenizer.cpp with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why: libsentencepiece.so.0 carries its own copy of protobuf-lite and exports those symbols.
// Linked into a program that also loads LibTorch's libprotobuf.so, one library's protobuf calls
// resolve into the other's copy, and the program crashes before main (in libprotobuf's static
// initialisers). Kept local and deep-bound, sentencepiece uses its own copy and LibTorch its own.
//
// Not part of trainperf_core (no torch here); every string crosses as (pointer, length), results
// are malloc'ed and released with tpspm_free.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

char* copy_out(const std::string& s, size_t* len) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  if (len) *len = s.size();
  return out;
}

class VectorIterator final : public sentencepiece::SentenceIterator {
 public:
  VectorIterator(const char* const* texts, const size_t* lens, size_t count)
      : texts_(texts), lens_(lens), count_(count) {
    load();
  }
  bool done() const override { return i_ >= count_; }
  void Next() override {
    ++i_;
    load();
  }
  const std::string& value() const override { return current_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void load() {
    if (i_ < count_) current_.assign(texts_[i_], lens_[i_]);
  }
  const char* const* texts_;
  const size_t* lens_;
  size_t count_, i_ = 0;
  std::string current_;
};

}  // namespace

extern "C" {

void tpspm_free(void* p) { std::free(p); }

// Trains from `count` sentences with SentencePiece's key=value options; the serialized model goes
// to *model. Returns 0 on success, else 1 with *error set.
int tpspm_train(const char* const* texts, const size_t* lens, size_t count, const char* const* keys,
                const char* const* values, size_t num_options, char** model, size_t* model_len, char** error) {
  std::unordered_map<std::string, std::string> args;
  for (size_t i = 0; i < num_options; ++i) args[keys[i]] = values[i];
  VectorIterator it(texts, lens, count);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &serialized);
  if (!status.ok()) {
    *error = copy_out(status.ToString(), nullptr);
    return 1;
  }
  *model = copy_out(serialized, model_len);
  return 0;
}

void* tpspm_load(const char* bytes, size_t len, char** error) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->LoadFromSerializedProto(std::string(bytes, len));
  if (!status.ok()) {
    *error = copy_out(status.ToString(), nullptr);
    delete processor;
    return nullptr;
  }
  return processor;
}

void tpspm_release(void* processor) { delete static_cast<sentencepiece::SentencePieceProcessor*>(processor); }

// which: 0 pad, 1 eos, 2 unk, 3 bos, 4 number of pieces.
int tpspm_info(const void* processor, int which) {
  const auto* p = static_cast<const sentencepiece::SentencePieceProcessor*>(processor);
  switch (which) {
    case 0: return p->pad_id();
    case 1: return p->eos_id();
    case 2: return p->unk_id();
    case 3: return p->bos_id();
    default: return p->GetPieceSize();
  }
}

int tpspm_encode(const void* processor, const char* text, size_t len, int** ids, size_t* count, char** error) {
  std::vector<int> out;
  const auto status =
      static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->Encode(std::string(text, len), &out);
  if (!status.ok()) {
    *error = copy_out(status.ToString(), nullptr);
    return 1;
  }
  *ids = static_cast<int*>(std::malloc(sizeof(int) * (out.size() + 1)));
  std::memcpy(*ids, out.data(), sizeof(int) * out.size());
  *count = out.size();
  return 0;
}

int tpspm_decode(const void* processor, const int* ids, size_t count, char** text, size_t* len, char** error) {
  std::string out;
  const auto status = static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->Decode(
      std::vector<int>(ids, ids + count), &out);
  if (!status.ok()) {
    *error = copy_out(status.ToString(), nullptr);
    return 1;
  }
  *text = copy_out(out, len);
  return 0;
}

char* tpspm_piece(const void* processor, int id, size_t* len) {
  return copy_out(static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->IdToPiece(id), len);
}

}  // extern "C"
