#include "ganforge/io/fs.h"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ganforge/core/error.h"
#include "ganforge/core/test_hooks.h"

namespace ganforge::fs {
namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 34;  // 16 GiB after decompression: a sanity bound

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& path) {
  z_stream zs{};
  // 15 + 16: zlib window of 32 KiB, gzip header expected.
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw UserError(path + ": zlib initialisation failed");
  std::vector<uint8_t> out;
  out.resize(in.size() * 4 + 1024);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (true) {
    if (zs.total_out >= out.size()) {
      if (out.size() >= kMaxFileBytes) {
        inflateEnd(&zs);
        throw UserError(path + ": decompressed size exceeds 16 GiB");
      }
      out.resize(out.size() * 2);
    }
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (as `cat a.gz b.gz` makes) are legal: continue with the next one.
      if (zs.avail_in > 0) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw UserError(path + ": corrupt gzip data (truncated)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      throw UserError(path + ": corrupt gzip data (" + msg + ")");
    }
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open (" + errno_text() + ")");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw UserError(path + ": read error (is it a directory?)");
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, path);
  return bytes;
}

std::vector<uint8_t> gzip_compress(const std::vector<uint8_t>& bytes) {
  z_stream zs{};
  // Level 6 (zlib default); 15 + 16 writes a gzip header with mtime 0, so output is reproducible.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(&zs, bytes.size()));
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib deflate failed");
  out.resize(zs.total_out);
  return out;
}

namespace {

// Write all of `data` to `fd` (the file at `path`); false with errno set on failure. The test fault
// "nospace" (core/test_hooks.h) fails here, after half the bytes, as a full disk would.
bool write_all(int fd, const uint8_t* data, size_t size, const std::string& path) {
  if (test_hooks::armed("nospace", path)) {
    write_all(fd, data, size / 2, "");
    errno = ENOSPC;
    return false;
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip, bool durable) {
  if (!gzip) return write_parts_atomic(path, {{bytes.data(), bytes.size()}}, durable);
  const std::vector<uint8_t> packed = gzip_compress(bytes);
  write_parts_atomic(path, {{packed.data(), packed.size()}}, durable);
}

void write_parts_atomic(const std::string& path, const std::vector<Part>& parts, bool durable) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw WriteError(path + ": cannot write (" + errno_text() + ")");
  auto fail = [&](const char* what) {
    const std::string err = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw WriteError(path + ": " + what + " (" + err + ")");
  };
  if (test_hooks::armed("write", path)) {  // a kill in the middle of the write (tests only)
    size_t total = 0;
    for (const Part& p : parts) total += p.size;
    for (size_t i = 0, left = total / 2; i < parts.size() && left > 0; ++i) {
      const size_t n = std::min(left, parts[i].size);
      write_all(fd, static_cast<const uint8_t*>(parts[i].data), n, "");
      left -= n;
    }
    ::fsync(fd);
    test_hooks::die();
  }
  for (const Part& p : parts)
    if (!write_all(fd, static_cast<const uint8_t*>(p.data), p.size, path)) fail("write failed");
  if (durable && ::fsync(fd) != 0) fail("write failed");
  if (::close(fd) != 0) {
    const std::string err = errno_text();
    ::unlink(tmp.c_str());
    throw WriteError(path + ": write failed (" + err + ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = errno_text();
    ::unlink(tmp.c_str());
    throw WriteError(path + ": rename failed (" + err + ")");
  }
}

AppendFile::AppendFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw WriteError(path + ": cannot write (" + errno_text() + ")");
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::write_line(const std::string& line) {
  const std::string text = line + "\n";
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (!write_all(fd_, reinterpret_cast<const uint8_t*>(text.data()), text.size(), path_)) {
    const std::string err = errno_text();
    // A line cut short would end the file in half a JSON object: cut it off again (if even that fails,
    // the reader of a resumed run drops the broken line).
    if (before >= 0) [[maybe_unused]] const int rc = ::ftruncate(fd_, before);
    throw WriteError(path_ + ": write failed (" + err + ")");
  }
}

void AppendFile::sync() {
  if (::fdatasync(fd_) != 0) throw WriteError(path_ + ": write failed (" + errno_text() + ")");
}

void write_text_atomic(const std::string& path, const std::string& text, bool durable) {
  write_file_atomic(path, std::vector<uint8_t>(text.begin(), text.end()), false, durable);
}

std::string fnv1a64_hex(const void* data, size_t size) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a offset basis and prime (Fowler, Noll, Vo)
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace ganforge::fs
