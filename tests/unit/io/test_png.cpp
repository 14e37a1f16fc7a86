#include "ganforge/core/error.h"
#include "ganforge/io/png.h"
#include "test_util.h"

namespace ganforge {
namespace {

TEST(Png, RoundTripGreyAndRgb) {
  test::TempDir dir;
  for (uint32_t channels : {1u, 3u}) {
    png::Image im;
    im.width = 7;
    im.height = 3;
    im.channels = channels;
    for (uint32_t i = 0; i < 7 * 3 * channels; ++i) im.data.push_back(static_cast<uint8_t>(i * 11));
    png::write(dir / "a.png", im);
    const auto back = png::read(dir / "a.png");
    EXPECT_EQ(back.width, 7u);
    EXPECT_EQ(back.height, 3u);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.data, im.data);
  }
}

TEST(Png, CorruptFilesAreUserErrors) {
  test::TempDir dir;
  test::write_bytes(dir / "x.png", "definitely not a png");
  EXPECT_THROW(png::read(dir / "x.png"), UserError);
  png::Image im;
  im.width = im.height = 8;
  im.data.assign(64, 200);
  auto bytes = png::encode(im);
  test::write_bytes(dir / "cut.png", std::string(bytes.begin(), bytes.begin() + 40));
  try {
    png::read(dir / "cut.png");
    FAIL() << "truncated PNG accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt PNG"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ganforge
