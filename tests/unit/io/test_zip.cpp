#include "ganforge/io/zip_check.h"

#include <zlib.h>

#include "test_util.h"

namespace ganforge {
namespace {

std::string problem(const std::string& bytes) {
  return zip_problem(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}
std::string code_problem(const std::string& bytes) {
  return archive_code_problem(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Replace `from` by `to` (same length) at its first place in a stored entry, and give that entry its new
// CRC-32 in the central directory and local header: an altered archive that passes the zip check.
std::string alter(std::string zip, const std::string& from, const std::string& to) {
  const size_t at = zip.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(from.size(), to.size());
  zip.replace(at, from.size(), to);
  auto u32 = [&](size_t p) {
    return uint32_t(uint8_t(zip[p])) | uint32_t(uint8_t(zip[p + 1])) << 8 | uint32_t(uint8_t(zip[p + 2])) << 16 |
           uint32_t(uint8_t(zip[p + 3])) << 24;
  };
  auto u16 = [&](size_t p) { return size_t(uint8_t(zip[p])) | size_t(uint8_t(zip[p + 1])) << 8; };
  for (size_t c = zip.find("PK\x01\x02"); c != std::string::npos; c = zip.find("PK\x01\x02", c + 4)) {
    const size_t local = u32(c + 42), size = u32(c + 20);
    const size_t data = local + 30 + u16(local + 26) + u16(local + 28);
    if (at < data || at >= data + size) continue;
    const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(zip.data() + data), size));
    for (size_t p : {c + 16, local + 14})
      for (int i = 0; i < 4; ++i) zip[p + i] = static_cast<char>(crc >> (8 * i));
  }
  return zip;
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
        std::tuple{checkpoint(), std::string("ganforge-checkpoint-2"), std::string(".pkl'")},
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

// Code that LibTorch's TorchScript parser would be handed: only the attribute declarations our writer
// produces pass. The renamed class constant is the shape of the input that crashed LibTorch 1.13 (SIGSEGV
// in ScriptTypeParser::parseClassConstant) once the fuzzer kept CRCs valid.
TEST(Zip, ArchiveCodeHoldsOnlyAttributeDeclarations) {
  EXPECT_EQ(code_problem(checkpoint()), "");
  EXPECT_EQ(code_problem(test::read_text(test::source_dir() + "/tests/golden/format1-run/checkpoints/step-0000004.pt")), "")
      << "format 1, whose __torch__.py is deflated";
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"__buffers__ = []", "__juffers__ = []"},
           {"  weight : Tensor", "  def f(x):pass  "},
           {"__parameters__ = [", "__parameters__ = ("}}) {
    const std::string bad = alter(checkpoint(), from, to);
    EXPECT_EQ(problem(bad), "") << "the CRCs agree: " << to;
    const std::string p = code_problem(bad);
    EXPECT_NE(p.find("is not code a ganforge archive holds"), std::string::npos) << to << ": " << p;
  }
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
