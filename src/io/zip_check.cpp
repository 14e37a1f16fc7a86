#include "ganforge/io/zip_check.h"

#include <zlib.h>

#include <regex>
#include <vector>

#include "ganforge/core/error.h"

namespace ganforge {
namespace {

// Little-endian reads that fail (return false) instead of reading past the end.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t size() const { return size_; }
  bool has(uint64_t pos, uint64_t n) const { return pos <= size_ && n <= size_ - pos; }
  template <typename T>
  bool read(uint64_t pos, T& out) const {
    if (!has(pos, sizeof(T))) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{data_[pos + i]} << (8 * i);
    out = static_cast<T>(v);
    return true;
  }
  const uint8_t* at(uint64_t pos) const { return data_ + pos; }

 private:
  const uint8_t* data_;
  size_t size_;
};

constexpr uint32_t kEndSig = 0x06054b50, kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint32_t kCentralSig = 0x02014b50, kLocalSig = 0x04034b50;

uint32_t crc_of(const uint8_t* data, uint64_t size) {
  return static_cast<uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), data, static_cast<z_size_t>(size)));
}

// CRC-32 and length of the inflated raw-deflate stream, in fixed-size pieces (the stated size is not
// trusted for an allocation). False if the stream is corrupt.
bool inflated_crc(const uint8_t* data, uint64_t size, uint32_t& crc, uint64_t& out_size) {
  if (size > UINT32_MAX) return false;  // entries of LibTorch's archives are stored; deflated ones are small
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) return false;
  std::vector<uint8_t> buf(1 << 16);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  uLong c = crc32_z(0L, Z_NULL, 0);
  int rc = Z_OK;
  out_size = 0;
  while (rc == Z_OK) {
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t got = buf.size() - zs.avail_out;
    c = crc32_z(c, buf.data(), got);
    out_size += got;
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) rc = Z_BUF_ERROR;  // input ended mid-stream
  }
  inflateEnd(&zs);
  crc = static_cast<uint32_t>(c);
  return rc == Z_STREAM_END;
}

// An entry of an archive: its name, where its (stored or deflated) data lies, its length and zip method.
struct ZipEntry {
  std::string name;
  uint64_t offset, size;
  uint16_t method;
};

// The check of zip_problem; the entries (name, data offset, size, method) go to `entries` if it is given.
std::string scan(const uint8_t* data, size_t size, std::vector<ZipEntry>* entries) {
  const Bytes b(data, size);
  // End of central directory: the last 22 bytes, or earlier by the length of a comment (< 64 KiB).
  uint64_t end = UINT64_MAX;
  for (uint64_t back = 0; back <= 0xFFFF && size >= 22 + back; ++back) {
    uint32_t sig = 0;
    if (b.read(size - 22 - back, sig) && sig == kEndSig) {
      end = size - 22 - back;
      break;
    }
  }
  if (end == UINT64_MAX) return "not a zip archive (no end-of-directory record)";
  uint16_t count16 = 0;
  uint32_t dir_size32 = 0, dir_offset32 = 0;
  b.read(end + 10, count16);
  b.read(end + 12, dir_size32);
  b.read(end + 16, dir_offset32);
  uint64_t count = count16, dir_size = dir_size32, dir_offset = dir_offset32;
  // Zip64: a locator just before the end record points at the 64-bit end record.
  uint32_t sig = 0;
  if (end >= 20 && b.read(end - 20, sig) && sig == kLocator64Sig) {
    uint64_t end64 = 0;
    if (!b.read(end - 20 + 8, end64) || !b.read(end64, sig) || sig != kEnd64Sig || !b.read(end64 + 32, count) ||
        !b.read(end64 + 40, dir_size) || !b.read(end64 + 48, dir_offset))
      return "zip64 end-of-directory record is damaged";
  }
  if (!b.has(dir_offset, dir_size)) return "central directory lies outside the file (truncated?)";
  if (count > dir_size / 46) return "central directory is shorter than its entry count";
  uint64_t pos = dir_offset;
  for (uint64_t i = 0; i < count; ++i) {
    uint16_t method = 0, name_len = 0, extra_len = 0, comment_len = 0;
    uint32_t crc = 0, csize32 = 0, usize32 = 0, offset32 = 0;
    if (!b.read(pos, sig) || sig != kCentralSig || !b.read(pos + 10, method) || !b.read(pos + 16, crc) ||
        !b.read(pos + 20, csize32) || !b.read(pos + 24, usize32) || !b.read(pos + 28, name_len) ||
        !b.read(pos + 30, extra_len) || !b.read(pos + 32, comment_len) || !b.read(pos + 42, offset32) ||
        !b.has(pos + 46, uint64_t{name_len} + extra_len + comment_len))
      return "central directory entry " + std::to_string(i) + " is damaged";
    const std::string name(reinterpret_cast<const char*>(b.at(pos + 46)), name_len);
    uint64_t csize = csize32, usize = usize32, offset = offset32;
    // Zip64 extended sizes: the 0x0001 extra field holds, in order, each field that is 0xFFFFFFFF above.
    for (uint64_t x = pos + 46 + name_len; x + 4 <= pos + 46 + name_len + extra_len;) {
      uint16_t id = 0, len = 0;
      b.read(x, id);
      b.read(x + 2, len);
      if (id == 0x0001) {
        uint64_t f = x + 4;
        for (uint64_t* field : {&usize, &csize, &offset}) {
          if (*field != 0xFFFFFFFF) continue;
          if (f + 8 > x + 4 + len || !b.read(f, *field)) return "entry '" + name + "' has a damaged zip64 field";
          f += 8;
        }
      }
      x += 4 + uint64_t{len};
    }
    pos += 46 + uint64_t{name_len} + extra_len + comment_len;
    uint16_t local_name = 0, local_extra = 0;
    if (!b.read(offset, sig) || sig != kLocalSig || !b.read(offset + 26, local_name) ||
        !b.read(offset + 28, local_extra))
      return "entry '" + name + "' has no local header where the directory says";
    const uint64_t start = offset + 30 + local_name + local_extra;
    if (!b.has(start, csize)) return "entry '" + name + "' runs past the end of the file (truncated?)";
    uint32_t got_crc = 0;
    uint64_t got_size = 0;
    if (method == 0) {
      got_crc = crc_of(b.at(start), csize);
      got_size = csize;
    } else if (method == 8) {
      if (!inflated_crc(b.at(start), csize, got_crc, got_size)) return "entry '" + name + "' is corrupt deflate data";
    } else {
      return "entry '" + name + "' uses compression method " + std::to_string(method) + " (only stored and deflate)";
    }
    if (got_size != usize) return "entry '" + name + "' has the wrong size";
    if (got_crc != crc) return "entry '" + name + "' fails its CRC-32";
    if (entries) entries->push_back({name, start, csize, method});
  }
  return "";
}

// The inflated text of a raw-deflate entry, up to 1 MiB (code entries are a few hundred bytes).
bool inflate_text(const uint8_t* data, uint64_t size, std::string& out) {
  if (size > UINT32_MAX) return false;
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) return false;
  std::vector<uint8_t> buf(1 << 20);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = buf.data();
  zs.avail_out = static_cast<uInt>(buf.size());
  const int rc = inflate(&zs, Z_FINISH);
  out.assign(reinterpret_cast<const char*>(buf.data()), buf.size() - zs.avail_out);
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

// One line of a class that torch::serialize::OutputArchive writes for a module's attributes: the class
// header, the lists of parameter and buffer names, and annotations whose types are tensors, plain values,
// or other such classes. Nothing else (no def, no expression) ever appears in these files.
bool archive_code_line(const std::string& line) {
  static const std::regex ok(
      R"(|class Module\(Module\):)"
      R"(|  __(parameters|buffers)__ = \[("[A-Za-z0-9_/.]+", )*\])"
      R"(|  __annotations__ = \[\])"
      R"(|  (__annotations__\["[A-Za-z0-9_/.]+"\]|[A-Za-z_][A-Za-z0-9_]*) (=|:) )"
      R"((Tensor|bool|int|float|str|Tuple\[float, float\]|__torch__(\.___torch_mangle_[0-9]+)?\.Module))",
      std::regex::ECMAScript | std::regex::optimize);
  return std::regex_match(line, ok);
}

}  // namespace

std::string zip_problem(const uint8_t* data, size_t size) { return scan(data, size, nullptr); }

std::string archive_code_problem(const uint8_t* data, size_t size) {
  std::vector<ZipEntry> entries;
  std::string problem = scan(data, size, &entries);
  if (!problem.empty()) return problem;
  for (const ZipEntry& e : entries) {
    const bool code = e.name.find("/code/") != std::string::npos;
    if (!code || e.name.size() < 3 || e.name.compare(e.name.size() - 3, 3, ".py") != 0) continue;
    std::string text;
    if (e.method == 0) {
      text.assign(reinterpret_cast<const char*>(data + e.offset), e.size);
    } else if (!inflate_text(data + e.offset, e.size, text)) {
      return "entry '" + e.name + "' is corrupt deflate data or over 1 MiB";
    }
    size_t begin = 0, number = 1;
    for (size_t end; begin <= text.size(); begin = end + 1, ++number) {
      end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      if (!archive_code_line(text.substr(begin, end - begin)))
        return "entry '" + e.name + "' line " + std::to_string(number) + " is not code a ganforge archive holds";
    }
  }
  return "";
}

void require_intact_zip(const std::vector<uint8_t>& bytes, const std::string& path, const std::string& refusal) {
  const std::string problem = zip_problem(bytes.data(), bytes.size());
  if (!problem.empty()) throw UserError(path + ": " + refusal + " (" + problem + ")");
}

void require_ganforge_archive(const std::vector<uint8_t>& bytes, const std::string& path, const std::string& refusal) {
  const std::string problem = archive_code_problem(bytes.data(), bytes.size());
  if (!problem.empty()) throw UserError(path + ": " + refusal + " (" + problem + ")");
}

}  // namespace ganforge
