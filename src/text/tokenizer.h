// A subword tokenizer: SentencePiece (Debian's libsentencepiece) trained in memory, deterministically.
// SentencePiece is reached through a small shared module (src/text/sentencepiece_shim.cpp, target
// trainperf_spm) because its bundled protobuf clashes with LibTorch's.
// Shared by the text workloads (bible_translate, austen_lm). Special ids follow AlgoPerf's wmt
// tokenizer: pad 0, eos 1, unk 2, and bos 3 (wmt has none; a decoder-only model can use it).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace trainperf {

enum class SubwordModel { Bpe, Unigram };

struct TokenizerOptions {
  int vocab_size = 8000;  // including the four special pieces
  SubwordModel model = SubwordModel::Unigram;
  // 1.0: every character of the training text gets a piece (right for alphabetic scripts).
  double character_coverage = 1.0;
  // Longer training sentences are skipped by SentencePiece; verses and paragraphs fit.
  int max_sentence_length = 16384;
};

class Tokenizer {
 public:
  static constexpr int kPadId = 0;
  static constexpr int kEosId = 1;
  static constexpr int kUnkId = 2;
  static constexpr int kBosId = 3;

  // Deterministic: one thread, every sentence used in order (no sampling or shuffling), so the
  // same sentences and options give byte-identical models. Throws std::invalid_argument when
  // SentencePiece refuses (e.g. vocab_size larger than the text allows).
  static Tokenizer train(const std::vector<std::string>& sentences, const TokenizerOptions& options);
  // A serialized model (what bytes() returns); `origin` names it in errors.
  static Tokenizer from_bytes(const std::string& bytes, const std::string& origin = "<memory>");
  // Throws DataError naming the file when it is missing, unreadable or not a SentencePiece model.
  static Tokenizer load(const std::string& path);

  const std::string& bytes() const { return bytes_; }
  void save(const std::string& path) const;

  // Pieces only: no bos/eos added.
  std::vector<int> encode(const std::string& text) const;
  // Ids of pad/bos/eos are dropped; decode(encode(s)) == s for normalized text (NFKC, single
  // spaces, no leading or trailing space, only characters seen in training).
  std::string decode(const std::vector<int>& ids) const;
  std::string piece(int id) const;

  int vocab_size() const;
  int pad_id() const { return kPadId; }
  int eos_id() const { return kEosId; }
  int unk_id() const { return kUnkId; }
  int bos_id() const { return kBosId; }

 private:
  std::shared_ptr<void> processor_;  // a SentencePieceProcessor inside the dlopen'ed shim
  std::string bytes_;
};

}  // namespace trainperf
