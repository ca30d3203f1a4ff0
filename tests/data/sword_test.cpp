#include "data/sword.h"

#include "data/ztext_fixture.h"

#include <trainperf/workload.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

namespace trainperf {
namespace {

namespace fs = std::filesystem;
using fixtures::write_ztext;
size_t entry_of(int book, int chapter, int verse) { return fixtures::ztext_entry_of(book, chapter, verse); }

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("trainperf_sword_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str() const { return path.string(); }
};

const Verse& find_verse(const std::vector<Verse>& verses, const std::string& book, int chapter, int verse) {
  const int b = kjv_book_index(book);
  for (const Verse& v : verses)
    if (v.book == b && v.chapter == chapter && v.verse == verse) return v;
  throw std::runtime_error("verse not found");
}

TEST(KjvVersification, KnownCounts) {
  const auto& books = kjv_versification();
  ASSERT_EQ(books.size(), 66u);
  int chapters = 0, verses = 0;
  for (const auto& b : books) {
    chapters += static_cast<int>(b.verses_per_chapter.size());
    verses += std::accumulate(b.verses_per_chapter.begin(), b.verses_per_chapter.end(), 0);
  }
  EXPECT_EQ(chapters, 1189);
  EXPECT_EQ(verses, 31102);
  EXPECT_EQ(books[kjv_book_index("Ps")].verses_per_chapter.at(118), 176);  // Psalm 119
  EXPECT_EQ(books[kjv_book_index("John")].verses_per_chapter.size(), 21u);
  EXPECT_EQ(books[kjv_book_index("Acts")].verses_per_chapter.size(), 28u);
  EXPECT_EQ(kjv_book_index("Matt"), kKjvOldTestamentBooks);
  // The sizes of the installed modules' .bzv files / 10.
  EXPECT_EQ(kjv_index_entries("ot"), 24115u);
  EXPECT_EQ(kjv_index_entries("nt"), 8246u);
  EXPECT_THROW(kjv_book_index("Tobit"), std::invalid_argument);
}

TEST(CleanOsisText, TagsNotesTitlesEntities) {
  EXPECT_EQ(clean_osis_text("In the <w lemma=\"strong:H7225\">beginning</w> <w>God</w> created the "
                            "<w>earth</w>. "),
            "In the beginning God created the earth.");
  // Footnotes (also nested markup inside them) go; the verse text stays.
  EXPECT_EQ(clean_osis_text("<w>Adam</w><note type=\"study\">or, <reference>5.2</reference> the "
                            "<seg><divineName>LORD</divineName></seg></note> knew his wife"),
            "Adam knew his wife");
  // Adjacent tags separate words (RV1909 writes them without spaces).
  EXPECT_EQ(clean_osis_text("<w>hay allí</w><transChange type=\"added\">también</transChange><w>bdelio</w> "
                            "<w>y piedra</w>"),
            "hay allí también bdelio y piedra");
  // Headings go, canonical titles (psalm superscriptions) stay; milestones and the pilcrow go.
  EXPECT_EQ(clean_osis_text("<title type=\"section\">The Fall</title><div type=\"x-p\"/>\xC2\xB6 Now the serpent"),
            "Now the serpent");
  EXPECT_EQ(clean_osis_text("<title canonical=\"true\" type=\"psalm\">A <w>Psalm</w> of David.</title> <lg/> "
                            "<l level=\"1\"/>LORD, how"),
            "A Psalm of David. LORD, how");
  EXPECT_EQ(clean_osis_text("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233;&#xF1; &bogus; &"),
            "a & b <c> \"d\" 'e' \xC3\xA9\xC3\xB1 &bogus; &");
  // Opening marks keep their word; whitespace collapses.
  EXPECT_EQ(clean_osis_text("\xC2\xA1<w>OH</w>   Jehová ! ( <w>it</w> )\n\t¿<w>Quién</w>?"),
            "\xC2\xA1OH Jehová! (it) ¿Quién?");
  EXPECT_EQ(clean_osis_text(""), "");
  EXPECT_EQ(clean_osis_text("<note>only a note</note>"), "");
}

TEST(ZText, ReadsEntriesAcrossBlocks) {
  TempDir dir("entries");
  const std::vector<std::string> entries = {"", "<milestone/>", "first", "", "second &amp; third", "fourth"};
  write_ztext(dir.str(), "nt", entries, 4);  // two blocks, an empty entry in each
  EXPECT_EQ(read_ztext_entries(dir.str(), "nt"), entries);
}

// A whole KJV-shaped module with a few verses filled in: the mapping from index entries to
// (book, chapter, verse) is what decides that John 3:16 is John 3:16.
TEST(ZText, MapsIndexEntriesToVerses) {
  TempDir dir("bible");
  std::vector<std::string> ot(kjv_index_entries("ot")), nt(kjv_index_entries("nt"));
  ot[entry_of(0, 1, 1)] = "In the <w>beginning</w> God created the heaven and the earth.";
  ot[entry_of(0, 1, 1) - 2] = "<div osisID=\"Gen\" sID=\"g1\" type=\"book\"/>";  // book intro
  ot[entry_of(0, 1, 1) - 1] = "<chapter osisID=\"Gen.1\" sID=\"Gen.1\"/>";      // chapter intro
  ot[entry_of(38, 4, 6)] = "last verse of the ot";
  const int john = kjv_book_index("John"), acts = kjv_book_index("Acts");
  nt[entry_of(john, 3, 16)] = "For God so loved the world";
  nt[entry_of(john, 3, 16) - 16] = "<chapter osisID=\"John.3\"/>";
  nt[entry_of(acts, 1, 1)] = "The former treatise";
  nt[entry_of(acts, 1, 1) - 1] = "<chapter osisID=\"Acts.1\"/>";
  nt[entry_of(65, 22, 21)] = "Amen.";
  write_ztext(dir.str(), "ot", ot, 1000);
  write_ztext(dir.str(), "nt", nt, 1000);

  const std::vector<Verse> verses = read_ztext_bible(dir.str());
  ASSERT_EQ(verses.size(), 31102u);
  EXPECT_EQ(verses.front().text, "In the beginning God created the heaven and the earth.");
  EXPECT_EQ(verses.front().book, 0);
  EXPECT_EQ(verses.front().chapter, 1);
  EXPECT_EQ(verses.front().verse, 1);
  EXPECT_EQ(find_verse(verses, "Mal", 4, 6).text, "last verse of the ot");
  EXPECT_EQ(find_verse(verses, "John", 3, 16).text, "For God so loved the world");
  EXPECT_EQ(find_verse(verses, "John", 3, 15).text, "");
  EXPECT_EQ(find_verse(verses, "Acts", 1, 1).text, "The former treatise");
  EXPECT_EQ(verses.back().text, "Amen.");
  EXPECT_EQ(verses.back().chapter, 22);
  EXPECT_EQ(verses.back().verse, 21);
  size_t nonempty = 0;
  for (const Verse& v : verses) nonempty += !v.text.empty();
  EXPECT_EQ(nonempty, 5u);  // intros are not verses
}

void expect_data_error(const std::function<void()>& f, const std::string& file, const std::string& problem) {
  try {
    f();
    FAIL() << "no error for " << file;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

TEST(ZText, BadFilesNameTheFileAndTheProblem) {
  TempDir dir("bad");
  const std::string d = dir.str();
  auto read = [&] { read_ztext_entries(d, "nt"); };
  expect_data_error(read, d + "/nt.bzs", "cannot open");

  const std::vector<std::string> entries = {"", "", "alpha", "beta", "gamma", "delta"};
  auto rewrite = [&] { write_ztext(d, "nt", entries, 3); };
  auto file = [&](const std::string& ext) { return d + "/nt." + ext; };
  auto bytes = [&](const std::string& ext) {
    std::ifstream in(file(ext), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto store = [&](const std::string& ext, const std::string& b) { std::ofstream(file(ext), std::ios::binary) << b; };

  rewrite();
  store("bzz", bytes("bzz").substr(0, bytes("bzz").size() - 5));
  expect_data_error(read, file("bzz"), "truncated");

  rewrite();
  store("bzs", bytes("bzs").substr(0, 13));
  expect_data_error(read, file("bzs"), "not a multiple of the 12-byte");

  rewrite();
  store("bzv", bytes("bzv") + "xyz");
  expect_data_error(read, file("bzv"), "not a multiple of the 10-byte");

  rewrite();
  std::string z = bytes("bzz");
  for (size_t i = 2; i < z.size(); ++i) z[i] = static_cast<char>(z[i] ^ 0x5A);
  store("bzz", z);
  expect_data_error(read, file("bzz"), "not valid zlib data");

  rewrite();
  std::string v = bytes("bzv");
  v[50] = 7;  // entry 5 -> block 7 of 2
  store("bzv", v);
  expect_data_error(read, file("bzv"), "refers to block 7");

  rewrite();
  v = bytes("bzv");
  v[54] = 100;  // entry 5's offset far past its block
  store("bzv", v);
  expect_data_error(read, file("bzv"), "lies outside block");

  // A well-formed testament with the wrong number of entries is not KJV-versified.
  rewrite();
  write_ztext(d, "ot", std::vector<std::string>(kjv_index_entries("ot")), 500);
  expect_data_error([&] { read_ztext_bible(d); }, file("bzv"), "KJV versification");
}

// The installed modules (sword-text-kjv, sword-text-sparv); skipped where they are not installed.
TEST(ZText, InstalledKjvAndReinaValera) {
  const std::string kjv = "/usr/share/sword/modules/texts/ztext/engKJV2006eb";
  const std::string rv = "/usr/share/sword/modules/texts/ztext/spaRV1909eb";
  if (!fs::exists(kjv + "/nt.bzv") || !fs::exists(rv + "/nt.bzv"))
    GTEST_SKIP() << "sword-text-kjv / sword-text-sparv not installed";
  const std::vector<Verse> en = read_ztext_bible(kjv), es = read_ztext_bible(rv);
  ASSERT_EQ(en.size(), 31102u);
  ASSERT_EQ(es.size(), 31102u);
  EXPECT_EQ(find_verse(en, "John", 3, 16).text.rfind("For God so loved the world, that he gave his only begotten Son,", 0), 0u)
      << find_verse(en, "John", 3, 16).text;
  EXPECT_EQ(find_verse(es, "John", 3, 16).text.rfind("Porque de tal manera amó Dios al mundo, que ha dado á su Hijo unigénito,", 0), 0u)
      << find_verse(es, "John", 3, 16).text;
  EXPECT_EQ(find_verse(en, "Acts", 1, 1).text.rfind("The former treatise have I made, O Theophilus,", 0), 0u)
      << find_verse(en, "Acts", 1, 1).text;
  EXPECT_EQ(find_verse(es, "Acts", 1, 1).text.rfind("EN el primer tratado, oh Teófilo,", 0), 0u)
      << find_verse(es, "Acts", 1, 1).text;
  EXPECT_EQ(find_verse(en, "Gen", 1, 1).text, "In the beginning God created the heaven and the earth.");
  EXPECT_EQ(find_verse(es, "Gen", 1, 1).text, "EN el principio crió Dios los cielos y la tierra.");
  EXPECT_EQ(find_verse(en, "Rev", 22, 21).text, "The grace of our Lord Jesus Christ be with you all. Amen.");
  size_t both = 0;
  for (size_t i = 0; i < en.size(); ++i) {
    EXPECT_EQ(en[i].text.find('<'), std::string::npos) << en[i].text;
    both += !en[i].text.empty() && !es[i].text.empty();
  }
  EXPECT_GT(both, 31000u);
}

}  // namespace
}  // namespace trainperf
