// The "austen" prepared dataset: Jane Austen's six novels from Debian's r-cran-janeaustenr, split by
// novel (validation Persuasion, test Sense & Sensibility, train the other four), tokenized with a
// SentencePiece model trained on the training novels only.
//
// Files (see docs/workloads/austen_lm.md):
//   austen_books.tsv     janeaustenr::austen_books() (columns book, text) as exported by Rscript
//                        (format: src/data/r_export.h)
//   tokenizer.model      the serialized SentencePiece model (src/text/tokenizer.h)
//   {train,validation,test}.ids   each split's paragraphs, tokenized, each followed by eos
//                        (format: src/data/token_ids.h)
#include <map>

#include "data/dataset_cache.h"
#include "data/r_export.h"
#include "data/token_ids.h"
#include "text/tokenizer.h"
#include "workloads/austen_lm/austen_lm.h"

namespace trainperf::workload::austen_lm {

namespace {

constexpr const char* kPackageDir = "/usr/lib/R/site-library/janeaustenr";
constexpr const char* kInstall =
    "install the data with: apt-get install --no-install-recommends r-base-core r-cran-janeaustenr";
constexpr int kVocabSize = 1024;  // format 2: 2048 made the output layer and its softmax most of the step

enum class AustenSplit { Train, Validation, Test };

AustenSplit split_of(const std::string& book) {
  if (book == "Persuasion") return AustenSplit::Validation;
  if (book == "Sense & Sensibility") return AustenSplit::Test;
  return AustenSplit::Train;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

// Lines of each book joined into paragraphs (blank lines separate them), in the order of the table.
std::vector<std::pair<std::string, std::vector<std::string>>> paragraphs_by_book(const RTable& t,
                                                                                 const std::string& origin) {
  const size_t book_col = t.column("book", origin), text_col = t.column("text", origin);
  std::vector<std::pair<std::string, std::vector<std::string>>> books;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) books.back().second.push_back(current);
    current.clear();
  };
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& book = t.rows[i][book_col];
    if (!book) throw DataError(origin + ":" + std::to_string(i + 3) + ": book is NA");
    if (books.empty() || books.back().first != *book) {
      if (!books.empty()) flush();
      for (const auto& b : books)
        if (b.first == *book)
          throw DataError(origin + ":" + std::to_string(i + 3) + ": the lines of '" + *book + "' are not contiguous");
      books.push_back({*book, {}});
    }
    const std::string line = t.rows[i][text_col].value_or("");
    if (blank(line)) {
      flush();
      continue;
    }
    const size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t");
    current += (current.empty() ? "" : " ") + line.substr(b, e - b + 1);
  }
  if (!books.empty()) flush();
  return books;
}

}  // namespace

nlohmann::json build_austen_dataset(PrepareContext& ctx) {
  for (const char* f : {"/data/Rdata.rdb", "/data/Rdata.rdx", "/data/Rdata.rds"})
    ctx.source(std::string(kPackageDir) + f, "r-cran-janeaustenr");
  const std::string export_path = ctx.out_dir + "/austen_books.tsv";
  ctx.log("exporting janeaustenr::austen_books() with Rscript");
  export_r_table("janeaustenr::austen_books()", {"book", "text"}, export_path, kInstall);
  const RTable table = read_r_export(export_path);
  const auto books = paragraphs_by_book(table, export_path);

  const std::vector<std::string> expected = {"Sense & Sensibility", "Pride & Prejudice", "Mansfield Park",
                                             "Emma",                "Northanger Abbey",  "Persuasion"};
  std::string found;
  for (const auto& b : books) found += (found.empty() ? "" : ", ") + b.first;
  if (books.size() != expected.size())
    throw DataError(export_path + ": expected the six novels, found " + std::to_string(books.size()) + " (" + found + ")");
  for (const auto& name : expected) {
    bool ok = false;
    for (const auto& b : books) ok |= b.first == name;
    if (!ok) throw DataError(export_path + ": no novel '" + name + "' (found " + found + ")");
  }

  std::vector<std::string> train_text;
  for (const auto& b : books)
    if (split_of(b.first) == AustenSplit::Train) train_text.insert(train_text.end(), b.second.begin(), b.second.end());
  ctx.log("training the tokenizer (" + std::to_string(kVocabSize) + " pieces) on " +
          std::to_string(train_text.size()) + " training paragraphs");
  TokenizerOptions topt;
  topt.vocab_size = kVocabSize;
  const Tokenizer tokenizer = Tokenizer::train(train_text, topt);
  tokenizer.save(ctx.out_dir + "/tokenizer.model");

  std::map<AustenSplit, TokenIds> ids;
  nlohmann::json summary = {{"vocab_size", tokenizer.vocab_size()}, {"books", nlohmann::json::array()}};
  for (auto s : {AustenSplit::Train, AustenSplit::Validation, AustenSplit::Test})
    ids[s].vocab_size = static_cast<uint32_t>(tokenizer.vocab_size());
  for (const auto& b : books) {
    TokenIds& out = ids[split_of(b.first)];
    const size_t before = out.ids.size();
    for (const auto& p : b.second) {
      for (int id : tokenizer.encode(p)) out.ids.push_back(static_cast<uint32_t>(id));
      out.ids.push_back(static_cast<uint32_t>(tokenizer.eos_id()));
    }
    const char* split = split_of(b.first) == AustenSplit::Train        ? "train"
                        : split_of(b.first) == AustenSplit::Validation ? "validation"
                                                                       : "test";
    summary["books"].push_back({{"book", b.first}, {"split", split}, {"paragraphs", b.second.size()},
                                {"tokens", out.ids.size() - before}});
  }
  for (auto [s, name] : {std::pair{AustenSplit::Train, "train"}, std::pair{AustenSplit::Validation, "validation"},
                         std::pair{AustenSplit::Test, "test"}}) {
    write_token_ids(ctx.out_dir + "/" + name + ".ids", ids[s]);
    summary[std::string(name) + "_tokens"] = ids[s].ids.size();
    ctx.log(std::string(name) + ": " + std::to_string(ids[s].ids.size()) + " tokens");
  }
  return summary;
}

DatasetEntry austen_dataset() {
  DatasetEntry e;
  e.name = kAustenDataset;
  e.description = "Jane Austen's six novels (janeaustenr), split by novel, SentencePiece ids";
  e.format_version = 2;  // 2: 1024 pieces (was 2048)
  e.packages = {"r-base-core", "r-cran-janeaustenr"};
  e.build = build_austen_dataset;
  return e;
}

}  // namespace trainperf::workload::austen_lm
