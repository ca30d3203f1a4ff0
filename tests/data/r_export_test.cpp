// The R export reader on fixtures written here, and a real Rscript round trip.
#include <gtest/gtest.h>

#include <trainperf/workload.h>

#include <filesystem>
#include <fstream>

#include "data/r_export.h"

using namespace trainperf;

namespace {

std::string write_fixture(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("trainperf_r_export_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string error_of(const std::string& name, const std::string& text) {
  const std::string path = write_fixture(name, text);
  try {
    read_r_export(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(RExport, ReadsFieldsEscapesAndNA) {
  const std::string path =
      write_fixture("ok.tsv", "trainperf-r-export 1\nbook\ttext\nEmma\tA\\tb\\\\c\\nd\n\\N\t\nP & P\t\xc3\xa9t\xc3\xa9\n");
  RTable t = read_r_export(path);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"book", "text"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(*t.rows[0][0], "Emma");
  EXPECT_EQ(*t.rows[0][1], "A\tb\\c\nd");
  EXPECT_FALSE(t.rows[1][0].has_value());
  EXPECT_EQ(*t.rows[1][1], "");
  EXPECT_EQ(*t.rows[2][1], "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(t.column("text"), 1u);
  EXPECT_THROW(t.column("chapter"), DataError);
}

TEST(RExport, MalformedInputNamesFileAndLine) {
  auto contains = [](const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; };
  std::string e = error_of("fields.tsv", "trainperf-r-export 1\na\tb\nx\ty\nonly one\n");
  EXPECT_TRUE(contains(e, "fields.tsv:4: expected 2 tab-separated fields, found 1")) << e;
  e = error_of("escape.tsv", "trainperf-r-export 1\na\nx\\qy\n");
  EXPECT_TRUE(contains(e, "escape.tsv:3: unknown escape \\q")) << e;
  e = error_of("truncated.tsv", "trainperf-r-export 1\na\tb\nx\ty\nhalf");
  EXPECT_TRUE(contains(e, "truncated.tsv:4: the last line has no newline (truncated file?)")) << e;
  e = error_of("magic.tsv", "book,text\nEmma,x\n");
  EXPECT_TRUE(contains(e, "magic.tsv:1: not a trainperf R export")) << e;
  e = error_of("crlf.tsv", "trainperf-r-export 1\na\r\n");
  EXPECT_TRUE(contains(e, "crlf.tsv:2: carriage return")) << e;
  e = error_of("empty.tsv", "");
  EXPECT_TRUE(contains(e, "empty.tsv: empty file")) << e;
  e = error_of("nocolumns.tsv", "trainperf-r-export 1\n");
  EXPECT_TRUE(contains(e, "nocolumns.tsv:1: no column-name line")) << e;
  e = error_of("na.tsv", "trainperf-r-export 1\na\nx\\N\n");
  EXPECT_TRUE(contains(e, "na.tsv:3: \\N (NA) must be a whole field")) << e;
  try {
    read_r_export("/nonexistent/dir/books.tsv");
    FAIL();
  } catch (const DataError& err) {
    EXPECT_EQ(std::string(err.what()), "/nonexistent/dir/books.tsv: file not found");
  }
}

TEST(RExport, RscriptRoundTrip) {
  if (std::system("Rscript --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "Rscript not installed";
  const std::string out = write_fixture("from_r.tsv", "");
  export_r_table("data.frame(name = c('a\\tb', NA, 'back\\\\slash', 'new\\nline'), n = c(1, 2.5, NA, 4))",
                 {"name", "n"}, out, "apt-get install r-base-core");
  RTable t = read_r_export(out);
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(*t.rows[0][0], "a\tb");
  EXPECT_FALSE(t.rows[1][0].has_value());
  EXPECT_EQ(*t.rows[1][1], "2.5");
  EXPECT_EQ(*t.rows[2][0], "back\\slash");
  EXPECT_FALSE(t.rows[2][1].has_value());
  EXPECT_EQ(*t.rows[3][0], "new\nline");
  try {
    export_r_table("no_such_package::frame()", {"x"}, out + "2", "apt-get install r-cran-nothing");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install r-cran-nothing"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no_such_package"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(out + "2"));
}
