#include "data/bible_corpus.h"

#include "data/dataset_cache.h"
#include "data/sword.h"

#include <fstream>

namespace trainperf {

namespace {

const char* kSplitFiles[] = {"train.tsv", "validation.tsv", "test.tsv"};

std::string to_tsv(const std::vector<BiblePair>& pairs) {
  std::string out;
  for (const BiblePair& p : pairs)
    out += p.book + '\t' + std::to_string(p.chapter) + '\t' + std::to_string(p.verse) + '\t' + p.english + '\t' +
           p.spanish + '\n';
  return out;
}

int parse_positive(const std::string& field, const std::string& path, size_t line) {
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(field, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != field.size() || value <= 0)
    throw DataError(path + ":" + std::to_string(line) + ": '" + field + "' is not a chapter or verse number");
  return value;
}

}  // namespace

nlohmann::json build_bible_corpus(const BibleCorpusSource& source, PrepareContext& ctx) {
  for (const auto& [dir, package] : {std::pair{source.english_module, source.english_package},
                                     std::pair{source.spanish_module, source.spanish_package}})
    for (const char* testament : {"ot", "nt"})
      for (const char* ext : {"bzs", "bzv", "bzz"})
        ctx.source(dir + "/" + testament + "." + ext, package);
  auto log = [&](const std::string& line) {
    if (ctx.log) ctx.log(line);
  };
  log("reading " + source.english_module);
  const std::vector<Verse> english = read_ztext_bible(source.english_module);
  log("reading " + source.spanish_module);
  const std::vector<Verse> spanish = read_ztext_bible(source.spanish_module);
  // Both are KJV-versified, so entry i is the same verse in both (read_ztext_bible checks the sizes).
  const int validation_book = kjv_book_index(source.validation_book), test_book = kjv_book_index(source.test_book);
  const auto& books = kjv_versification();
  std::vector<BiblePair> splits[3];
  int64_t dropped = 0;
  for (size_t i = 0; i < english.size(); ++i) {
    const Verse& en = english[i];
    if (en.text.empty() || spanish[i].text.empty()) {
      ++dropped;
      continue;
    }
    const int split = en.book == validation_book ? 1 : en.book == test_book ? 2 : 0;
    splits[split].push_back({books[en.book].osis, en.chapter, en.verse, en.text, spanish[i].text});
  }

  std::vector<std::string> sentences;
  for (const BiblePair& p : splits[0]) {
    sentences.push_back(p.english);
    sentences.push_back(p.spanish);
  }
  log("training a " + std::to_string(source.tokenizer.vocab_size) + "-piece SentencePiece vocabulary on " +
      std::to_string(sentences.size()) + " training sentences");
  const Tokenizer tokenizer = Tokenizer::train(sentences, source.tokenizer);
  write_file(ctx.out_dir + "/tokenizer.model", tokenizer.bytes());
  for (int s = 0; s < 3; ++s) write_file(ctx.out_dir + "/" + kSplitFiles[s], to_tsv(splits[s]));

  int64_t tokens[3] = {0, 0, 0};
  for (int s = 0; s < 3; ++s)
    for (const BiblePair& p : splits[s]) tokens[s] += static_cast<int64_t>(tokenizer.encode(p.spanish).size());
  return {{"train_pairs", splits[0].size()},
          {"validation_pairs", splits[1].size()},
          {"test_pairs", splits[2].size()},
          {"dropped_verses", dropped},
          {"vocab_size", tokenizer.vocab_size()},
          {"train_target_tokens", tokens[0]},
          {"validation_target_tokens", tokens[1]},
          {"test_target_tokens", tokens[2]},
          {"validation_book", source.validation_book},
          {"test_book", source.test_book}};
}

std::vector<BiblePair> read_bible_pairs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open");
  std::vector<BiblePair> pairs;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      fields.push_back(line.substr(start, tab - start));
    fields.push_back(line.substr(start));
    if (fields.size() != 5)
      throw DataError(path + ":" + std::to_string(number) + ": expected 5 tab-separated fields " +
                      "(book, chapter, verse, english, spanish), found " + std::to_string(fields.size()));
    try {
      kjv_book_index(fields[0]);
    } catch (const std::invalid_argument&) {
      throw DataError(path + ":" + std::to_string(number) + ": unknown book '" + fields[0] + "'");
    }
    if (fields[3].empty() || fields[4].empty())
      throw DataError(path + ":" + std::to_string(number) + ": empty sentence");
    pairs.push_back({fields[0], parse_positive(fields[1], path, number), parse_positive(fields[2], path, number),
                     fields[3], fields[4]});
  }
  if (in.bad()) throw DataError(path + ": read error");
  return pairs;
}

BibleCorpus load_bible_corpus(const std::string& dir) {
  BibleCorpus corpus{read_bible_pairs(dir + "/" + kSplitFiles[0]), read_bible_pairs(dir + "/" + kSplitFiles[1]),
                     read_bible_pairs(dir + "/" + kSplitFiles[2]), Tokenizer::load(dir + "/tokenizer.model")};
  return corpus;
}

}  // namespace trainperf
