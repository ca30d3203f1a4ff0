// SWORD zText Bible modules (Debian's sword-text-*): the block-compressed index format and the KJV
// versification that maps index entries to (book, chapter, verse).
//
// Per testament ("ot", "nt") a module has three files:
//   <t>.bzs  12-byte little-endian records (offset, compressed size, uncompressed size) of the
//            zlib-compressed blocks in <t>.bzz;
//   <t>.bzv  10-byte records (block u32, offset u32, size u16), one per index entry: the entry's
//            bytes inside the inflated block;
//   <t>.bzz  the blocks.
// Index layout (SWORD VerseKey): entry 0 is the module heading, 1 the testament heading, then each
// book has a book-intro entry followed, per chapter, by a chapter-intro entry and the verses.
#pragma once

#include <string>
#include <vector>

namespace trainperf {

struct BibleBook {
  std::string osis;  // OSIS book id: "Gen", "John", "Acts", "Rev"
  std::vector<int> verses_per_chapter;
};

// SWORD's KJV versification (66 books, 1,189 chapters, 31,102 verses); the first 39 are the ot.
const std::vector<BibleBook>& kjv_versification();
constexpr int kKjvOldTestamentBooks = 39;
// Index into kjv_versification(); throws std::invalid_argument for an unknown OSIS id.
int kjv_book_index(const std::string& osis);
// Number of index entries the KJV versification gives a testament ("ot": 24,115, "nt": 8,246).
size_t kjv_index_entries(const std::string& testament);

// The raw (OSIS XML) entries of one testament in index order; an empty entry is "".
// Throws DataError naming the file for missing, truncated or corrupt files.
std::vector<std::string> read_ztext_entries(const std::string& module_dir, const std::string& testament);

struct Verse {
  int book = 0;  // index into kjv_versification()
  int chapter = 0;  // 1-based
  int verse = 0;    // 1-based
  std::string text;  // cleaned (clean_osis_text)
};

// Every verse of a KJV-versified module in canonical order, cleaned; missing verses have empty
// text. Throws DataError naming the file, also when a testament's entry count does not match the
// versification.
std::vector<Verse> read_ztext_bible(const std::string& module_dir);

// OSIS markup to plain text: <note>…</note> (footnotes) and non-canonical <title>…</title>
// (headings) dropped with their content, other tags become spaces, the pilcrow ¶ goes, XML entities decoded, whitespace collapsed and trimmed, and the spaces
// that tags leave before closing punctuation (, . ; : ! ? ) ]) or after opening ones (( [ ¿ ¡)
// removed, so "<w>tierra</w>." reads "tierra.".
std::string clean_osis_text(const std::string& osis);

}  // namespace trainperf
