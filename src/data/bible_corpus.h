// The English-Spanish Bible corpus of bible_translate: KJV (sword-text-kjv) and Reina-Valera 1909
// (sword-text-sparv) verse pairs aligned by the shared KJV versification, whole books held out
// (validation = Acts, test = John, train = the other 64), and a joint SentencePiece vocabulary
// trained on the training split only.
//
// Prepared dataset "bible_en_es" (trainperf data prepare): tokenizer.model and train/validation/
// test.tsv, one verse pair per line: book<TAB>chapter<TAB>verse<TAB>english<TAB>spanish, canonical
// order. Deterministic: preparing twice gives byte-identical files.
#pragma once

#include "text/tokenizer.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace trainperf {

struct PrepareContext;

struct BiblePair {
  std::string book;  // OSIS id
  int chapter = 0;
  int verse = 0;
  std::string english, spanish;
};

struct BibleCorpusSource {
  std::string english_module = "/usr/share/sword/modules/texts/ztext/engKJV2006eb";
  std::string spanish_module = "/usr/share/sword/modules/texts/ztext/spaRV1909eb";
  std::string english_package = "sword-text-kjv";
  std::string spanish_package = "sword-text-sparv";
  std::string validation_book = "Acts";
  std::string test_book = "John";
  TokenizerOptions tokenizer = {2000, SubwordModel::Unigram, 1.0, 16384};
};

// Writes the dataset's files into ctx.out_dir; returns the counts for the manifest. Verses empty in
// either language are dropped.
nlohmann::json build_bible_corpus(const BibleCorpusSource& source, PrepareContext& ctx);

struct BibleCorpus {
  std::vector<BiblePair> train, validation, test;
  Tokenizer tokenizer;
};

// Reads a prepared folder; DataError naming the file (and line) when something is malformed.
BibleCorpus load_bible_corpus(const std::string& dir);
std::vector<BiblePair> read_bible_pairs(const std::string& path);

}  // namespace trainperf
