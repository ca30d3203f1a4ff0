#include "data/token_ids.h"

#include <trainperf/workload.h>

#include <cstring>

#include "data/dataset_cache.h"

namespace trainperf {

namespace {

constexpr char kTokenIdsMagic[8] = {'T', 'P', 'T', 'O', 'K', 'I', 'D', '1'};
constexpr size_t kHeader = 24;

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_le(const std::string& in, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  return v;
}

}  // namespace

std::string serialize_token_ids(const TokenIds& t) {
  std::string out(kTokenIdsMagic, sizeof kTokenIdsMagic);
  out.reserve(kHeader + 4 * t.ids.size());
  put_le(out, t.vocab_size, 4);
  put_le(out, 0, 4);
  put_le(out, t.ids.size(), 8);
  for (size_t i = 0; i < t.ids.size(); ++i) {
    if (t.ids[i] >= t.vocab_size)
      throw std::invalid_argument("token id " + std::to_string(t.ids[i]) + " at position " + std::to_string(i) +
                                  " is not below the vocabulary size " + std::to_string(t.vocab_size));
    put_le(out, t.ids[i], 4);
  }
  return out;
}

void write_token_ids(const std::string& path, const TokenIds& t) { write_file(path, serialize_token_ids(t)); }

TokenIds parse_token_ids(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < kHeader)
    throw DataError(origin + ": truncated token-id file (" + std::to_string(bytes.size()) + " bytes, header is 24)");
  if (std::memcmp(bytes.data(), kTokenIdsMagic, sizeof kTokenIdsMagic) != 0)
    throw DataError(origin + ": not a token-id file (bad magic; expected TPTOKID1)");
  TokenIds t;
  t.vocab_size = static_cast<uint32_t>(get_le(bytes, 8, 4));
  const uint64_t n = get_le(bytes, 16, 8);
  if (n > (bytes.size() - kHeader) / 4 || bytes.size() != kHeader + 4 * n)
    throw DataError(origin + ": header says " + std::to_string(n) + " ids (" + std::to_string(kHeader + 4 * n) +
                    " bytes) but the file has " + std::to_string(bytes.size()) + " bytes (truncated or corrupt)");
  t.ids.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    t.ids[i] = static_cast<uint32_t>(get_le(bytes, kHeader + 4 * i, 4));
    if (t.ids[i] >= t.vocab_size)
      throw DataError(origin + ": id " + std::to_string(t.ids[i]) + " at position " + std::to_string(i) +
                      " is not below the vocabulary size " + std::to_string(t.vocab_size) + " (corrupt file)");
  }
  return t;
}

TokenIds read_token_ids(const std::string& path) { return parse_token_ids(read_file(path), path); }

}  // namespace trainperf
