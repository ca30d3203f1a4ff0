// Writes small SWORD zText modules for tests (the format: src/data/sword.h).
#pragma once

#include "data/sword.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace trainperf::fixtures {

inline void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i) & 0xFF);
}

inline std::string zlib_compress(const std::string& raw) {
  uLongf len = compressBound(raw.size());
  std::string out(len, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(raw.data()),
                      raw.size(), 9),
            Z_OK);
  out.resize(len);
  return out;
}

// Writes <dir>/<testament>.{bzs,bzv,bzz} holding `entries`, `per_block` entries per zlib block;
// empty entries get size 0, as SWORD writes them.
inline void write_ztext(const std::string& dir, const std::string& testament, const std::vector<std::string>& entries,
                        size_t per_block) {
  std::string bzs, bzv, bzz;
  for (size_t first = 0; first < entries.size(); first += per_block) {
    std::string raw;
    const uint32_t block = static_cast<uint32_t>(first / per_block);
    for (size_t k = first; k < std::min(entries.size(), first + per_block); ++k) {
      put_u32(bzv, block);
      put_u32(bzv, static_cast<uint32_t>(raw.size()));
      bzv += static_cast<char>(entries[k].size() & 0xFF);
      bzv += static_cast<char>(entries[k].size() >> 8);
      raw += entries[k];
    }
    const std::string z = zlib_compress(raw);
    put_u32(bzs, static_cast<uint32_t>(bzz.size()));
    put_u32(bzs, static_cast<uint32_t>(z.size()));
    put_u32(bzs, static_cast<uint32_t>(raw.size()));
    bzz += z;
  }
  std::ofstream(dir + "/" + testament + ".bzs", std::ios::binary) << bzs;
  std::ofstream(dir + "/" + testament + ".bzv", std::ios::binary) << bzv;
  std::ofstream(dir + "/" + testament + ".bzz", std::ios::binary) << bzz;
}

// The index entry of a verse, counted by hand from the layout: heading, testament heading, then
// per book an intro and per chapter an intro followed by its verses.
inline size_t ztext_entry_of(int book, int chapter, int verse) {
  const auto& books = kjv_versification();
  size_t k = 2;
  for (int b = book < kKjvOldTestamentBooks ? 0 : kKjvOldTestamentBooks; b < book; ++b) {
    k += 1;
    for (int v : books[b].verses_per_chapter) k += 1 + v;
  }
  k += 1;
  for (int c = 1; c < chapter; ++c) k += 1 + books[book].verses_per_chapter[c - 1];
  return k + 1 + (verse - 1);
}

// A KJV-versified module (both testaments) with the given verses filled in, the rest empty.
struct FixtureVerse {
  std::string book;
  int chapter, verse;
  std::string osis_text;
};
inline void write_kjv_module(const std::string& dir, const std::vector<FixtureVerse>& verses) {
  std::vector<std::string> ot(kjv_index_entries("ot")), nt(kjv_index_entries("nt"));
  for (const FixtureVerse& v : verses) {
    const int b = kjv_book_index(v.book);
    (b < kKjvOldTestamentBooks ? ot : nt)[ztext_entry_of(b, v.chapter, v.verse)] = v.osis_text;
  }
  write_ztext(dir, "ot", ot, 1000);
  write_ztext(dir, "nt", nt, 1000);
}

}  // namespace trainperf::fixtures
