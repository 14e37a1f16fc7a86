// File helpers shared by every writer: nothing is ever half-written, and read errors name the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::fs {

// Whole file; gunzips when the content starts with the gzip magic 1f 8b (whatever the name says).
// Throws UserError naming the path if it is missing, unreadable, or corrupt gzip.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Write to `path`.tmp.<pid>, fsync, rename over `path`: readers see the old file or the new one, never a
// partial one. gzip-compresses first when `gzip` is true. Throws WriteError (core/error.h) naming `path`
// when any step fails (directory not writable, disk full, file size limit); the old file is then untouched
// and no temporary file is left. `durable` false skips the fsync: still atomic for readers, but a power cut
// may leave the old file (for heartbeats such as RUN/status.json, rewritten every few steps).
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip = false,
                       bool durable = true);
// The same for a file made of several pieces of memory, written in order (a large file need not be copied
// into one buffer first).
struct Part {
  const void* data;
  size_t size;
};
void write_parts_atomic(const std::string& path, const std::vector<Part>& parts, bool durable = true);
void write_text_atomic(const std::string& path, const std::string& text, bool durable = true);

// A file that grows by whole lines (metrics.jsonl, eval.jsonl). Every write is checked: a failure is a
// WriteError naming the file, and the file is cut back to its last whole line, so a reader never meets
// half a line written by a failed append.
class AppendFile {
 public:
  explicit AppendFile(const std::string& path);  // created if missing; WriteError if it cannot be opened
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  void write_line(const std::string& line);  // `line` and a newline
  void sync();                               // to the disk (fdatasync)

 private:
  std::string path_;
  int fd_ = -1;
};

std::vector<uint8_t> gzip_compress(const std::vector<uint8_t>& bytes);

// FNV-1a 64-bit hash of `size` bytes as 16 hex digits: a content fingerprint (not cryptographic) naming
// evaluator files and cached reference features.
std::string fnv1a64_hex(const void* data, size_t size);

bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace ganforge::fs
