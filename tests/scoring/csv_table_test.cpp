// The tolerant CSV reader.
#include <gtest/gtest.h>

#include <cmath>

#include "scoring/csv_table.h"

using namespace trainperf::scoring;

TEST(ScoringCsv, ReadsQuotedFieldsAndCrlf) {
  Diagnostics diag;
  auto t = parse_csv("a,\"b,c\",d\r\n1,\"x \"\"y\"\"\",3\r\n", "f.csv", diag);
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b,c", "d"}));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][1], "x \"y\"");
  EXPECT_EQ(t.column("d"), 2);
  EXPECT_EQ(t.column("zz"), -1);
  EXPECT_TRUE(diag.warnings().empty());
}

TEST(ScoringCsv, PartiallyWrittenLastRowIsDroppedWithOneWarning) {
  Diagnostics diag;
  auto t = parse_csv("step,score,validation/loss\n1,1.5,0.9\n2,3.0,0.8\n3,4.5,0.7", "trial_1/eval.csv", diag);
  EXPECT_EQ(t.rows.size(), 2u);
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_EQ(diag.warnings()[0], "trial_1/eval.csv: line 4: partially written last row (no line end); ignored");
}

TEST(ScoringCsv, RowsWithTheWrongFieldCountAreDropped) {
  Diagnostics diag;
  auto t = parse_csv("a,b\n1,2\n3\n4,5\n", "f.csv", diag);
  EXPECT_EQ(t.rows.size(), 2u);
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_NE(diag.warnings()[0].find("line 3: 1 fields where the header has 2"), std::string::npos);
}

TEST(ScoringCsv, StrictRefusesAPartialRow) {
  Diagnostics diag(nullptr, true);
  EXPECT_THROW(parse_csv("a,b\n1,2\n3,", "f.csv", diag), ScoringError);
}

TEST(ScoringCsv, NumbersAsPandasAndFmtWriteThem) {
  EXPECT_EQ(parse_number("1.5"), 1.5);
  EXPECT_EQ(parse_number(" 2e3 "), 2000);
  EXPECT_TRUE(std::isinf(parse_number("inf")));
  EXPECT_TRUE(std::isinf(parse_number("-inf")));
  EXPECT_TRUE(std::isnan(parse_number("nan")));
  EXPECT_TRUE(std::isnan(parse_number("")));
  EXPECT_TRUE(std::isnan(parse_number("0.5abc")));
  EXPECT_TRUE(std::isnan(parse_number("True")));
}
