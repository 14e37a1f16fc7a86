#include "ganforge/io/gif.h"

#include <gif_lib.h>

#include <memory>
#include <string>

#include "ganforge/core/error.h"

namespace ganforge::gif {
namespace {

int append(GifFileType* gif, const GifByteType* bytes, int n) {
  auto* out = static_cast<std::vector<uint8_t>*>(gif->UserData);
  out->insert(out->end(), bytes, bytes + n);
  return n;
}

void check(int rc, const char* what) {
  if (rc != GIF_OK) throw UserError(std::string("GIF encoder: ") + what + " failed");
}

// 3-3-2 bits of red, green, blue, or 256 greys.
ColorMapObject* palette(bool grey) {
  GifColorType colors[256];
  for (int i = 0; i < 256; ++i)
    colors[i] = grey ? GifColorType{static_cast<GifByteType>(i), static_cast<GifByteType>(i), static_cast<GifByteType>(i)}
                     : GifColorType{static_cast<GifByteType>(((i >> 5) & 7) * 255 / 7),
                                    static_cast<GifByteType>(((i >> 2) & 7) * 255 / 7),
                                    static_cast<GifByteType>((i & 3) * 255 / 3)};
  return GifMakeMapObject(256, colors);
}

std::vector<GifByteType> indices(const png::Image& im) {
  std::vector<GifByteType> out(static_cast<size_t>(im.width) * im.height);
  for (size_t p = 0; p < out.size(); ++p) {
    if (im.channels == 1) {
      out[p] = im.data[p];
      continue;
    }
    const uint8_t* c = &im.data[p * im.channels];
    out[p] = static_cast<GifByteType>(((c[0] * 7 + 127) / 255) << 5 | ((c[1] * 7 + 127) / 255) << 2 | (c[2] * 3 + 127) / 255);
  }
  return out;
}

void put_loop_extension(GifFileType* gif) {
  static const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  static const GifByteType forever[] = {1, 0, 0};
  check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "loop extension");
  check(EGifPutExtensionBlock(gif, sizeof(app), app), "loop extension");
  check(EGifPutExtensionBlock(gif, sizeof(forever), forever), "loop extension");
  check(EGifPutExtensionTrailer(gif), "loop extension");
}

}  // namespace

std::vector<uint8_t> encode(const std::vector<png::Image>& frames, int delay_cs) {
  if (frames.empty()) throw UserError("GIF encoder: no frames");
  const png::Image& first = frames.front();
  for (const auto& f : frames)
    if (f.width != first.width || f.height != first.height || f.channels != first.channels)
      throw UserError("GIF encoder: frames differ in size");
  std::vector<uint8_t> out;
  int err = 0;
  GifFileType* raw = EGifOpen(&out, append, &err);
  if (!raw) throw UserError("GIF encoder: cannot start (giflib error " + std::to_string(err) + ")");
  auto close = [](GifFileType* g) { EGifCloseFile(g, nullptr); };
  std::unique_ptr<GifFileType, decltype(close)> gif(raw, close);
  std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(palette(first.channels == 1), GifFreeMapObject);
  EGifSetGifVersion(gif.get(), true);
  check(EGifPutScreenDesc(gif.get(), static_cast<int>(first.width), static_cast<int>(first.height), 8, 0, map.get()),
        "screen");
  put_loop_extension(gif.get());
  GraphicsControlBlock gcb{DISPOSE_DO_NOT, false, delay_cs, NO_TRANSPARENT_COLOR};
  GifByteType ext[4];
  const int ext_len = static_cast<int>(EGifGCBToExtension(&gcb, ext));
  for (const auto& f : frames) {
    check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, ext_len, ext), "frame delay");
    check(EGifPutImageDesc(gif.get(), 0, 0, static_cast<int>(f.width), static_cast<int>(f.height), false, nullptr),
          "frame");
    std::vector<GifByteType> px = indices(f);
    for (uint32_t y = 0; y < f.height; ++y) check(EGifPutLine(gif.get(), &px[y * f.width], static_cast<int>(f.width)), "row");
  }
  int close_err = 0;
  if (EGifCloseFile(gif.release(), &close_err) != GIF_OK) throw UserError("GIF encoder: closing failed");
  return out;
}

}  // namespace ganforge::gif
