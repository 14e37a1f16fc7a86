#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/idx.h"
#include "test_util.h"

namespace ganforge {
namespace {

using test::TempDir;

idx::Images small_images() {
  idx::Images im;
  im.count = 3;
  im.rows = 4;
  im.cols = 5;
  for (int i = 0; i < 60; ++i) im.pixels.push_back(static_cast<uint8_t>(i * 4));
  return im;
}

std::string as_string(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }
std::vector<uint8_t> as_bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// The error message of parsing `bytes` as images (empty if it parsed).
std::string image_error(const std::string& bytes) {
  try {
    idx::parse_images(as_bytes(bytes), "f.idx");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::string label_error(const std::string& bytes) {
  try {
    idx::parse_labels(as_bytes(bytes), "l.idx");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(Idx, RoundTripPlainAndGzip) {
  TempDir dir;
  const auto im = small_images();
  idx::Labels lb;
  lb.values = {7, 0, 9};
  for (const std::string ext : {"", ".gz"}) {
    idx::write_images(dir / ("im.idx" + ext), im);
    idx::write_labels(dir / ("lb.idx" + ext), lb);
    idx::Images im2;
    idx::Labels lb2;
    idx::read_pair(dir / ("im.idx" + ext), dir / ("lb.idx" + ext), im2, lb2);
    EXPECT_EQ(im2.count, 3u);
    EXPECT_EQ(im2.rows, 4u);
    EXPECT_EQ(im2.cols, 5u);
    EXPECT_EQ(im2.pixels, im.pixels) << "ext " << ext;
    EXPECT_EQ(lb2.values, lb.values) << "ext " << ext;
  }
  std::ifstream gz(dir / "im.idx.gz", std::ios::binary);
  EXPECT_EQ(gz.get(), 0x1f) << "a .gz file must be gzip";
  std::ifstream plain(dir / "im.idx", std::ios::binary);
  EXPECT_EQ(plain.get(), 0x00) << "a plain file must not be compressed";
}

TEST(Idx, HeaderIsBigEndianMnistLayout) {
  const auto bytes = idx::encode_images(small_images());
  ASSERT_EQ(bytes.size(), 16u + 60u);
  const std::vector<uint8_t> header(bytes.begin(), bytes.begin() + 16);
  EXPECT_EQ(header, (std::vector<uint8_t>{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}));
}

TEST(Idx, MalformedImagesGiveClearErrors) {
  const std::string good = as_string(idx::encode_images(small_images()));
  EXPECT_EQ(image_error(good), "");

  std::string bad_magic = good;
  bad_magic[3] = 0x04;
  EXPECT_NE(image_error(bad_magic).find("bad magic number 0x00000804"), std::string::npos) << image_error(bad_magic);

  const std::string labels = as_string(idx::encode_labels({{1, 2, 3}}));
  EXPECT_NE(image_error(labels).find("this is a label file"), std::string::npos) << image_error(labels);

  EXPECT_NE(image_error(good.substr(0, 10)).find("too short"), std::string::npos);
  EXPECT_NE(image_error(good.substr(0, good.size() - 1)).find("truncated"), std::string::npos);
  EXPECT_NE(image_error(good + "x").find("trailing bytes"), std::string::npos);

  std::string zero_rows = good;
  zero_rows[11] = 0;
  EXPECT_NE(image_error(zero_rows).find("bad image dimensions 0x5"), std::string::npos) << image_error(zero_rows);

  std::string huge = good;
  huge[8] = 0x7f;  // rows = 0x7f000004
  EXPECT_NE(image_error(huge).find("bad image dimensions"), std::string::npos) << image_error(huge);

  std::string huge_count = good;
  huge_count[4] = 0xff;  // count = 0xff000003: must be reported, not allocated
  EXPECT_NE(image_error(huge_count).find("truncated"), std::string::npos) << image_error(huge_count);

  std::string zero_count = good.substr(0, 16);
  zero_count[7] = 0;
  EXPECT_NE(image_error(zero_count).find("0 images"), std::string::npos) << image_error(zero_count);

  EXPECT_NE(image_error("not an idx file at all!").find("not an IDX file"), std::string::npos);
  // Every message names the file.
  EXPECT_EQ(image_error(bad_magic).rfind("f.idx: ", 0), 0u);
}

TEST(Idx, MalformedLabelsGiveClearErrors) {
  const std::string good = as_string(idx::encode_labels({{1, 2, 3}}));
  EXPECT_EQ(label_error(good), "");
  EXPECT_NE(label_error(good.substr(0, 9)).find("truncated"), std::string::npos);
  EXPECT_NE(label_error(good + "zz").find("trailing bytes"), std::string::npos);
  EXPECT_NE(label_error(good.substr(0, 5)).find("too short"), std::string::npos);
  const std::string images = as_string(idx::encode_images(small_images()));
  EXPECT_NE(label_error(images).find("this is an image file"), std::string::npos) << label_error(images);
}

TEST(Idx, CountMismatchBetweenImagesAndLabels) {
  TempDir dir;
  idx::write_images(dir / "im.idx", small_images());
  idx::write_labels(dir / "lb.idx", {{1, 2}});
  idx::Images im;
  idx::Labels lb;
  try {
    idx::read_pair(dir / "im.idx", dir / "lb.idx", im, lb);
    FAIL() << "count mismatch accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("2 labels but"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 images"), std::string::npos) << e.what();
  }
}

TEST(Idx, MissingFileAndCorruptGzip) {
  TempDir dir;
  EXPECT_THROW(idx::read_images(dir / "nope.idx"), UserError);
  // A valid gzip stream cut in half, and one with its body scrambled.
  const auto gz = fs::gzip_compress(idx::encode_images(small_images()));
  test::write_bytes(dir / "cut.gz", as_string(gz).substr(0, gz.size() / 2));
  try {
    idx::read_images(dir / "cut.gz");
    FAIL() << "truncated gzip accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt gzip"), std::string::npos) << e.what();
  }
  std::string scrambled = as_string(gz);
  for (size_t i = 12; i < scrambled.size() - 8; ++i) scrambled[i] = static_cast<char>(scrambled[i] ^ 0x5a);
  test::write_bytes(dir / "bad.gz", scrambled);
  EXPECT_THROW(idx::read_images(dir / "bad.gz"), UserError);
}

// read_images streams the file (plain or gzipped) into the pixel buffer; the checks are parse_images'.
TEST(Idx, ReadingAFileChecksWhatParsingChecks) {
  TempDir dir;
  const auto bytes = idx::encode_images(small_images());
  test::write_bytes(dir / "a.idx", as_string(bytes));
  test::write_bytes(dir / "a.idx.gz", as_string(fs::gzip_compress(bytes)));
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const auto im = idx::read_images(dir / name);
    EXPECT_EQ(im.count, 3u);
    EXPECT_EQ(im.pixels, small_images().pixels) << name;
  }
  auto read_error = [&](const std::string& content, bool gzip) {
    const std::string path = dir / (gzip ? "x.idx.gz" : "x.idx");
    test::write_bytes(path, gzip ? as_string(fs::gzip_compress(as_bytes(content))) : content);
    try {
      idx::read_images(path);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string good = as_string(bytes);
  for (const bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    EXPECT_NE(read_error(good.substr(0, good.size() - 1), gzip).find("truncated"), std::string::npos);
    EXPECT_NE(read_error(good + "x", gzip).find("trailing bytes"), std::string::npos);
    EXPECT_NE(read_error(good.substr(0, 10), gzip).find("too short"), std::string::npos);
    EXPECT_NE(read_error(std::string(good).replace(3, 1, "\x01"), gzip).find("bad magic"), std::string::npos);
    // A header claiming 4 billion 16384x16384 images in a file of a few bytes: refused before anything
    // that size is allocated.
    std::string huge = good.substr(0, 16);
    huge.replace(4, 12, std::string("\xff\xff\xff\xff\x00\x00\x40\x00\x00\x00\x40\x00", 12));
    const std::string e = read_error(huge + "abc", gzip);
    EXPECT_TRUE(e.find("truncated") != std::string::npos || e.find("can hold") != std::string::npos) << e;
  }
  // A gzip stream whose checksum does not match its data.
  auto gz = fs::gzip_compress(bytes);
  gz[gz.size() - 6] ^= 0x01;  // in the CRC-32 of the trailer
  test::write_bytes(dir / "crc.idx.gz", as_string(gz));
  EXPECT_THROW(idx::read_images(dir / "crc.idx.gz"), UserError);
}

}  // namespace
}  // namespace ganforge
