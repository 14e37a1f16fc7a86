// IDX files (the MNIST format): images idx3 (magic 0x00000803: [n, rows, cols] uint8) and labels idx1
// (magic 0x00000801: [n] uint8), big-endian 32-bit header fields, plain or gzip-compressed (".gz").
// Reference: http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS FOR THE MNIST DATABASE").
// No LibTorch here: the parser is plain C++ so it can be fuzzed and tested fast.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::idx {

struct Images {
  uint32_t count = 0;
  uint32_t rows = 0;
  uint32_t cols = 0;
  std::vector<uint8_t> pixels;  // [count, rows, cols], row-major
};

struct Labels {
  std::vector<uint8_t> values;  // [count]
};

// Parse from bytes already in memory (decompressed). `name` is used in error messages only.
// Throws UserError naming `name` and the problem (bad magic, zero or huge dimensions, wrong length).
Images parse_images(const std::vector<uint8_t>& bytes, const std::string& name);
Labels parse_labels(const std::vector<uint8_t>& bytes, const std::string& name);

Images read_images(const std::string& path);
Labels read_labels(const std::string& path);
// Read both and check that their counts match.
void read_pair(const std::string& images_path, const std::string& labels_path, Images& images,
               Labels& labels);

// Serialize; write_* gzip when `path` ends with ".gz" and write atomically (fs::write_file_atomic).
std::vector<uint8_t> encode_images(const Images& images);
std::vector<uint8_t> encode_labels(const Labels& labels);
void write_images(const std::string& path, const Images& images);
void write_labels(const std::string& path, const Labels& labels);

}  // namespace ganforge::idx
