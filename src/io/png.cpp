#include "ganforge/io/png.h"

#include <png.h>

#include <cstring>
#include <stdexcept>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"

namespace ganforge::png {
namespace {

void on_write(png_structp p, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(p));
  out->insert(out->end(), data, data + n);
}

struct Reader {
  const std::vector<uint8_t>* bytes;
  size_t pos = 0;
};

void on_read(png_structp p, png_bytep data, png_size_t n) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(p));
  if (r->pos + n > r->bytes->size()) png_error(p, "truncated PNG data");
  std::memcpy(data, r->bytes->data() + r->pos, n);
  r->pos += n;
}

// libpng reports errors by longjmp to the setjmp in the calling function (no exception may cross its C
// frames); the message is kept in the error pointer for the UserError thrown after the jump.
void on_error(png_structp p, png_const_charp msg) {
  *static_cast<std::string*>(png_get_error_ptr(p)) = msg;
  png_longjmp(p, 1);
}
void on_warning(png_structp, png_const_charp) {}

}  // namespace

std::vector<uint8_t> encode(const Image& image) {
  if (image.channels != 1 && image.channels != 3)
    throw std::invalid_argument("png::encode: channels must be 1 or 3, got " + std::to_string(image.channels));
  if (image.data.size() != size_t{image.width} * image.height * image.channels)
    throw std::invalid_argument("png::encode: data size does not match width*height*channels");
  std::vector<uint8_t> out;
  std::string error;
  png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  png_infop info = png_create_info_struct(p);
  if (setjmp(png_jmpbuf(p))) {
    png_destroy_write_struct(&p, &info);
    throw std::runtime_error("png::encode: " + error);
  }
  {
    png_set_write_fn(p, &out, on_write, nullptr);
    png_set_IHDR(p, info, image.width, image.height, 8,
                 image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(p, info);
    const size_t stride = size_t{image.width} * image.channels;
    for (uint32_t y = 0; y < image.height; ++y)
      png_write_row(p, const_cast<png_bytep>(image.data.data() + y * stride));
    png_write_end(p, nullptr);
  }
  png_destroy_write_struct(&p, &info);
  return out;
}

Image decode(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only, bool alpha_over_white) {
  if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0) throw UserError(name + ": not a PNG file");
  std::string error;
  png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  png_infop info = png_create_info_struct(p);
  Reader reader{&bytes};
  Image im;
  if (setjmp(png_jmpbuf(p))) {
    png_destroy_read_struct(&p, &info, nullptr);
    throw UserError(name + ": corrupt PNG (" + error + ")");
  }
  {
    png_set_read_fn(p, &reader, on_read);
    png_read_info(p, info);
    // Normalise every PNG to 8-bit grey or RGB.
    png_set_expand(p);
    png_set_strip_16(p);
    if (!alpha_over_white) png_set_strip_alpha(p);
    png_read_update_info(p, info);
    im.width = png_get_image_width(p, info);
    im.height = png_get_image_height(p, info);
    const uint32_t stored = png_get_channels(p, info);  // 2 or 4 with alpha kept
    const bool alpha = stored == 2 || stored == 4;
    im.channels = alpha ? stored - 1 : stored;
    if (im.channels != 1 && im.channels != 3) png_error(p, "unsupported channel count");
    if (uint64_t{im.width} * im.height > (uint64_t{1} << 28)) png_error(p, "image too large");
    if (header_only) {
      png_destroy_read_struct(&p, &info, nullptr);
      return im;
    }
    im.data.resize(size_t{im.width} * im.height * im.channels);
    if (!alpha) {
      for (uint32_t y = 0; y < im.height; ++y)
        png_read_row(p, im.data.data() + size_t{y} * im.width * im.channels, nullptr);
    } else {  // composite over white: v a / 255 + 255 (1 - a / 255), rounded
      std::vector<uint8_t> row(size_t{im.width} * stored);
      uint8_t* out = im.data.data();
      for (uint32_t y = 0; y < im.height; ++y) {
        png_read_row(p, row.data(), nullptr);
        for (uint32_t x = 0; x < im.width; ++x) {
          const uint8_t* px = row.data() + size_t{x} * stored;
          const uint32_t a = px[stored - 1];
          for (uint32_t c = 0; c + 1 < stored; ++c)
            *out++ = static_cast<uint8_t>((px[c] * a + 255u * (255u - a) + 127u) / 255u);
        }
      }
    }
  }
  png_destroy_read_struct(&p, &info, nullptr);
  return im;
}

void write(const std::string& path, const Image& image) { fs::write_file_atomic(path, encode(image)); }

Image read(const std::string& path) { return decode(fs::read_file_bytes(path), path); }

}  // namespace ganforge::png
