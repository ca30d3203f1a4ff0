// The report in a real browser: headless Chromium (Debian `chromium`) renders it without console
// messages, the plots arrive in the DOM with their paths, and a screenshot is kept as a test artifact
// in <build>/test-artifacts/.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "report/html_report.h"
#include "scoring/log_fixtures.h"
#include "support/cli.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
struct Browser {
  int exit_code = -1;
  std::string stdout_text, stderr_text;
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

bool have_chromium() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

// Runs headless Chromium on a local file with the flags that keep it off the network.
Browser chromium(const fs::path& page, const std::string& mode_flags, const fs::path& work) {
  const fs::path profile = work / "profile", out = work / "stdout.txt", err = work / "stderr.txt";
  fs::create_directories(profile);
  const std::string cmd =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
      profile.string() + " --enable-logging=stderr --v=0 " + mode_flags + " 'file://" + page.string() + "' > " +
      out.string() + " 2> " + err.string();
  Browser b;
  const int status = std::system(cmd.c_str());
  b.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  b.stdout_text = read_all(out);
  b.stderr_text = read_all(err);
  fs::remove_all(profile);
  return b;
}

// Chromium logs every console message (errors, uncaught exceptions, failed loads it reports) as
// "...:CONSOLE...]" lines on stderr.
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (contains(line, ":CONSOLE")) lines.push_back(line);
  return lines;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

fs::path artifacts_dir() {
  const fs::path dir = fs::path(TRAINPERF_CLI).parent_path() / "test-artifacts";
  fs::create_directories(dir);
  return dir;
}
}  // namespace

// The detector itself: a page with a console error and an exception must be caught.
TEST(ReportChromium, ConsoleErrorsAreDetected) {
  ASSERT_TRUE(have_chromium()) << "chromium is not installed; scripts/install-deps.sh installs Debian's chromium";
  const auto work = fresh_scoring_dir("chromium_control");
  write_text_file(work / "bad.html",
                  "<!DOCTYPE html><html><body><script>console.error('boom'); notAFunction();</script></body></html>");
  auto b = chromium(work / "bad.html", "--dump-dom", work);
  EXPECT_EQ(b.exit_code, 0) << b.stderr_text;
  const auto lines = console_lines(b.stderr_text);
  ASSERT_EQ(lines.size(), 2u) << b.stderr_text;
  EXPECT_TRUE(contains(lines[0], "boom"));
  EXPECT_TRUE(contains(lines[1], "Uncaught ReferenceError"));
  fs::remove_all(work);
}

TEST(ReportChromium, RendersWithoutConsoleErrorsWithNonEmptyPlotsAndAScreenshot) {
  ASSERT_TRUE(have_chromium()) << "chromium is not installed; scripts/install-deps.sh installs Debian's chromium";
  const auto work = fresh_scoring_dir("chromium");
  write_two_by_three(work / "exp");
  fs::create_directories(work / "exp" / "adamw" / "study_0" / "alpha_jax" / "trial_7");  // a warning to list
  ScoreOptions options;
  options.targets = write_test_targets(work / "targets.json").string();
  options.baseline = "momentum";
  const auto artifacts = artifacts_dir();
  const fs::path page = artifacts / "report.html";
  report::write_html_report(score_log_trees({work / "exp"}, options, nullptr), page);

  auto dom = chromium(page, "--dump-dom", work);
  ASSERT_EQ(dom.exit_code, 0) << dom.stderr_text;
  EXPECT_TRUE(console_lines(dom.stderr_text).empty()) << dom.stderr_text;
  const std::string& html = dom.stdout_text;
  ASSERT_TRUE(contains(html, "<h1>trainperf report</h1>")) << html.substr(0, 2000);
  // Every plot reached the DOM with drawn paths: the scores, the profile and the three workloads.
  for (auto id : {"plot-scores", "plot-profile", "plot-w-alpha", "plot-w-beta", "plot-w-gamma"}) {
    const auto at = html.find(std::string("<figure id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    const auto end = html.find("</figure>", at);
    const std::string fig = html.substr(at, end - at);
    EXPECT_TRUE(contains(fig, "<svg")) << id;
    EXPECT_GE(count_of(fig, "<path"), 5u) << id;
    EXPECT_TRUE(contains(fig, " d=\"M")) << id;  // paths with geometry, not empty elements
  }
  EXPECT_TRUE(contains(html, "id=\"warnings\""));
  EXPECT_TRUE(contains(html, "<table class=\"pairwise\">"));  // the intervals' tables rendered too
  EXPECT_TRUE(contains(html, "id=\"rank-probabilities\""));

  const fs::path shot = artifacts / "report.png";
  fs::remove(shot);
  auto screenshot = chromium(page, "--screenshot=" + shot.string() + " --window-size=1200,3000", work);
  ASSERT_EQ(screenshot.exit_code, 0) << screenshot.stderr_text;
  EXPECT_TRUE(console_lines(screenshot.stderr_text).empty()) << screenshot.stderr_text;
  ASSERT_TRUE(fs::exists(shot)) << screenshot.stderr_text;
  const std::string png = read_all(shot);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(png.size(), 50000u);  // a page of tables and plots, not a blank one
  fs::remove_all(work);
}
