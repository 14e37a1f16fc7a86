#include "ganforge/io/image.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

// jpeglib.h needs size_t and FILE declared before it.
#include <jerror.h>
#include <jpeglib.h>

#include "ganforge/core/error.h"

namespace ganforge::image {
namespace {

// libjpeg reports errors through error_exit, which must not return: it jumps back to the setjmp in
// decode_jpeg (no exception may cross libjpeg's C frames). Warnings are ignored except a premature end
// of data, which libjpeg would otherwise fill with grey.
struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErrors*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

void on_jpeg_message(j_common_ptr c, int level) {
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) on_jpeg_error(c);
}

[[noreturn]] void refuse(j_common_ptr c, const char* why) {
  auto* e = reinterpret_cast<JpegErrors*>(c->err);
  std::snprintf(e->message, sizeof e->message, "%s", why);
  std::longjmp(e->jump, 1);
}

}  // namespace

Format sniff(const uint8_t* data, size_t size) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0) return Format::kPng;
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return Format::kJpeg;
  return Format::kUnknown;
}

Image decode(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only, bool alpha_over_white) {
  switch (sniff(bytes.data(), bytes.size())) {
    case Format::kPng: return png::decode(bytes, name, header_only, alpha_over_white);
    case Format::kJpeg: return decode_jpeg(bytes, name, header_only);
    default: throw UserError(name + ": not a PNG or JPEG image");
  }
}

Image decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only) {
  jpeg_decompress_struct cinfo;
  JpegErrors errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = on_jpeg_error;
  errors.mgr.emit_message = on_jpeg_message;
  Image im;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw UserError(name + ": corrupt JPEG (" + errors.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK)
    refuse(reinterpret_cast<j_common_ptr>(&cinfo), "CMYK JPEG is not supported; convert it to RGB");
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  im.width = cinfo.image_width;
  im.height = cinfo.image_height;
  im.channels = cinfo.num_components == 1 ? 1 : 3;
  if (uint64_t{im.width} * im.height > (uint64_t{1} << 28)) refuse(reinterpret_cast<j_common_ptr>(&cinfo), "image too large");
  if (!header_only) {
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != static_cast<int>(im.channels))
      refuse(reinterpret_cast<j_common_ptr>(&cinfo), "unsupported colour layout");
    im.data.resize(size_t{im.width} * im.height * im.channels);
    const size_t stride = size_t{im.width} * im.channels;
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW row = im.data.data() + size_t{cinfo.output_scanline} * stride;
      jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
  }
  jpeg_destroy_decompress(&cinfo);
  return im;
}

}  // namespace ganforge::image
