// Token-id files: a tokenized text split as one flat stream of ids, in a fixed little-endian
// layout so that preparing the same data twice gives byte-identical files.
//
//   offset 0   8 bytes   magic "TPTOKID1"
//   offset 8   uint32    vocabulary size (every id is below it)
//   offset 12  uint32    0 (reserved)
//   offset 16  uint64    number of ids n
//   offset 24  n x uint32 the ids
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trainperf {

struct TokenIds {
  uint32_t vocab_size = 0;
  std::vector<uint32_t> ids;
};

std::string serialize_token_ids(const TokenIds& t);  // throws std::invalid_argument on an id >= vocab_size
void write_token_ids(const std::string& path, const TokenIds& t);
// Throws DataError naming the file: missing, bad magic, size not matching the count (truncated or
// trailing bytes), an id outside the vocabulary.
TokenIds read_token_ids(const std::string& path);
TokenIds parse_token_ids(const std::string& bytes, const std::string& origin);

}  // namespace trainperf
