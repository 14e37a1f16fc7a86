#include "ganforge/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"

namespace ganforge::idx {
namespace {

constexpr uint32_t kMagicImages = 0x00000803;  // type 0x08 (unsigned byte), 3 dimensions
constexpr uint32_t kMagicLabels = 0x00000801;  // type 0x08 (unsigned byte), 1 dimension
constexpr uint32_t kMaxSide = 1 << 14;         // 16384 pixels: larger is surely a corrupt header

uint32_t be32(const std::vector<uint8_t>& b, size_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) | (uint32_t{b[off + 2]} << 8) |
         uint32_t{b[off + 3]};
}

void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 24));
  b.push_back(static_cast<uint8_t>(v >> 16));
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

void check_magic(uint32_t got, uint32_t want, const std::string& name, const char* kind) {
  if (got == want) return;
  std::string hint;
  if (got == kMagicImages || got == kMagicLabels)
    hint = got == kMagicImages ? " (this is an image file)" : " (this is a label file)";
  else if ((got >> 8) == 0x08)
    hint = " (uint8 data with " + std::to_string(got & 0xff) + " dimensions)";
  else if ((got >> 8) != 0)
    hint = " (not an IDX file; element types other than uint8 are not supported)";
  throw UserError(name + ": bad magic number " + hex(got) + ", expected " + hex(want) + " for an " +
                  kind + " file" + hint);
}

// The header of an image file (its first 16 bytes, or fewer when the file is shorter): count and sizes,
// no pixels yet.
Images image_header(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.size() >= 4) check_magic(be32(bytes, 0), kMagicImages, name, "idx3 image");
  if (bytes.size() < 16)
    throw UserError(name + ": too short for an IDX image header (" + std::to_string(bytes.size()) +
                    " bytes, need 16)");
  Images im;
  im.count = be32(bytes, 4);
  im.rows = be32(bytes, 8);
  im.cols = be32(bytes, 12);
  if (im.rows == 0 || im.cols == 0 || im.rows > kMaxSide || im.cols > kMaxSide)
    throw UserError(name + ": bad image dimensions " + std::to_string(im.rows) + "x" +
                    std::to_string(im.cols));
  if (im.count == 0) throw UserError(name + ": holds 0 images");
  return im;
}

uint64_t file_bytes(const Images& im) { return 16 + uint64_t{im.count} * im.rows * im.cols; }

// `has`: the file's size; 0 when it is only known to be longer than the header says.
[[noreturn]] void wrong_size(const Images& im, const std::string& name, uint64_t has) {
  const bool trailing = has == 0 || has > file_bytes(im);
  throw UserError(name + ": " + (trailing ? "trailing bytes" : "truncated") + ": header says " +
                  std::to_string(im.count) + " images of " + std::to_string(im.rows) + "x" + std::to_string(im.cols) +
                  " = " + std::to_string(file_bytes(im)) + " bytes, file has " + (has == 0 ? "more" : std::to_string(has)));
}

}  // namespace

Images parse_images(const std::vector<uint8_t>& bytes, const std::string& name) {
  Images im = image_header(bytes, name);
  if (bytes.size() != file_bytes(im))
    wrong_size(im, name, bytes.size());
  im.pixels.assign(bytes.begin() + 16, bytes.end());
  return im;
}

Labels parse_labels(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.size() >= 4) check_magic(be32(bytes, 0), kMagicLabels, name, "idx1 label");
  if (bytes.size() < 8)
    throw UserError(name + ": too short for an IDX label header (" + std::to_string(bytes.size()) +
                    " bytes, need 8)");
  const uint32_t count = be32(bytes, 4);
  if (count == 0) throw UserError(name + ": holds 0 labels");
  const uint64_t want = 8 + uint64_t{count};
  if (bytes.size() != want)
    throw UserError(name + ": " + (bytes.size() < want ? "truncated" : "trailing bytes") + ": header says " +
                    std::to_string(count) + " labels = " + std::to_string(want) + " bytes, file has " +
                    std::to_string(bytes.size()));
  Labels lb;
  lb.values.assign(bytes.begin() + 8, bytes.end());
  return lb;
}

// Streamed through zlib (plain and gzipped files alike) straight into the pixel buffer, so that reading holds
// the data once: reading the whole file first held the compressed bytes, the decompressed ones and then a
// copy of the pixels, up to ~4x the dataset at its peak.
Images read_images(const std::string& path) {
  if (std::error_code dir_ec; std::filesystem::is_directory(path, dir_ec))
    throw UserError(path + ": is a directory, not an IDX file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw UserError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct Close {
    gzFile f;
    ~Close() { gzclose(f); }
  } close{f};
  gzbuffer(f, 1 << 18);
  // Up to n bytes into dst; the count read. A gzip error (corrupt data, a failed check, a cut stream) throws.
  auto read = [&](uint8_t* dst, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
      const int got = gzread(f, dst + done, static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 30)));
      int err = Z_OK;
      const char* msg = gzerror(f, &err);
      if (got < 0 || (err != Z_OK && err != Z_STREAM_END))
        throw UserError(path + ": " + (gzdirect(f) ? "read error (" : "corrupt gzip data (") +
                        (err == Z_BUF_ERROR ? "truncated" : msg) + ")");
      if (got == 0) break;
      done += static_cast<uint64_t>(got);
    }
    return done;
  };
  std::vector<uint8_t> head(16);
  head.resize(read(head.data(), 16));
  Images im = image_header(head, path);
  // The header is checked against the file before its size is allocated: exactly, for a plain file; for a
  // gzip file, against deflate's largest ratio (1032:1).
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (!ec && gzdirect(f) && size != file_bytes(im)) wrong_size(im, path, size);
  if (!ec && !gzdirect(f) && file_bytes(im) > size * 1032 + (1 << 20))
    throw UserError(path + ": corrupt: its header says " + std::to_string(file_bytes(im)) +
                    " bytes, more than a gzip file of " + std::to_string(size) + " bytes can hold");
  const uint64_t want = file_bytes(im) - 16;
  im.pixels.resize(want);
  const uint64_t got = read(im.pixels.data(), want);
  if (got != want) wrong_size(im, path, 16 + got);
  uint8_t extra = 0;
  if (read(&extra, 1) != 0) wrong_size(im, path, 0);
  return im;
}

Labels read_labels(const std::string& path) { return parse_labels(fs::read_file_bytes(path), path); }

void read_pair(const std::string& images_path, const std::string& labels_path, Images& images,
               Labels& labels) {
  images = read_images(images_path);
  labels = read_labels(labels_path);
  if (labels.values.size() != images.count)
    throw UserError(labels_path + ": " + std::to_string(labels.values.size()) + " labels but " +
                    images_path + " holds " + std::to_string(images.count) + " images");
}

std::vector<uint8_t> encode_images(const Images& images) {
  if (images.pixels.size() != size_t{images.count} * images.rows * images.cols)
    throw std::invalid_argument("encode_images: pixel buffer size " + std::to_string(images.pixels.size()) +
                                " != count*rows*cols");
  std::vector<uint8_t> out;
  out.reserve(16 + images.pixels.size());
  put_be32(out, kMagicImages);
  put_be32(out, images.count);
  put_be32(out, images.rows);
  put_be32(out, images.cols);
  out.insert(out.end(), images.pixels.begin(), images.pixels.end());
  return out;
}

std::vector<uint8_t> encode_labels(const Labels& labels) {
  std::vector<uint8_t> out;
  out.reserve(8 + labels.values.size());
  put_be32(out, kMagicLabels);
  put_be32(out, static_cast<uint32_t>(labels.values.size()));
  out.insert(out.end(), labels.values.begin(), labels.values.end());
  return out;
}

void write_images(const std::string& path, const Images& images) {
  fs::write_file_atomic(path, encode_images(images), fs::ends_with(path, ".gz"));
}

void write_labels(const std::string& path, const Labels& labels) {
  fs::write_file_atomic(path, encode_labels(labels), fs::ends_with(path, ".gz"));
}

}  // namespace ganforge::idx
