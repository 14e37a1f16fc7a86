#include "ganforge/io/zip_check.h"
#include "test_util.h"

namespace ganforge {
namespace {

std::string problem(const std::string& bytes) {
  return zip_problem(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// A checkpoint of the tiny model fuzz_checkpoint uses (LibTorch's stored entries and zip64 records), and
// a zip written by Python's zipfile with one stored and one deflated entry.
std::string checkpoint() { return test::read_text(test::source_dir() + "/tests/fuzz/corpus/checkpoint/valid.pt"); }
std::string two_entries() { return test::read_text(test::source_dir() + "/tests/reference/two_entries.zip"); }

TEST(Zip, IntactArchivesPass) {
  EXPECT_EQ(problem(checkpoint()), "");
  EXPECT_EQ(problem(two_entries()), "");
}

TEST(Zip, AFlippedBitInAnyEntryIsNamed) {
  // The TorchScript source of the checkpoint (a bit flip there crashed LibTorch 1.13's parser), its pickle,
  // a tensor, and the deflated entry of the other archive.
  for (const auto& [archive, needle, entry] :
       {std::tuple{checkpoint(), std::string("__parameters__"), std::string(".py'")},
        std::tuple{checkpoint(), std::string("ganforge-checkpoint-1"), std::string(".pkl'")},
        std::tuple{two_entries(), std::string("stored entry"), std::string("stored.txt'")}}) {
    const size_t at = archive.find(needle);
    ASSERT_NE(at, std::string::npos) << needle;
    std::string bad = archive;
    bad[at + 3] = static_cast<char>(bad[at + 3] ^ 0x04);
    const std::string p = problem(bad);
    EXPECT_NE(p.find("fails its CRC-32"), std::string::npos) << needle << ": " << p;
    EXPECT_NE(p.find(entry), std::string::npos) << needle << ": " << p;
  }
  // Inside the deflate stream: the stream breaks or the CRC disagrees.
  std::string bad = two_entries();
  const size_t deflated = bad.find("a/deflated.txt") + 14 + 8;  // a few bytes into its compressed data
  bad[deflated] = static_cast<char>(bad[deflated] ^ 0x10);
  EXPECT_NE(problem(bad), "");
}

TEST(Zip, TruncatedAndForeignBytesAreRefused) {
  const std::string ok = checkpoint();
  for (size_t keep : {size_t{0}, size_t{21}, ok.size() / 2, ok.size() - 30, ok.size() - 1})
    EXPECT_NE(problem(ok.substr(0, keep)), "") << keep << " of " << ok.size() << " bytes";
  EXPECT_NE(problem("PK\x03\x04 not really a zip").find("not a zip archive"), std::string::npos);
  EXPECT_NE(problem(std::string(100, '\0')), "");
}

}  // namespace
}  // namespace ganforge
