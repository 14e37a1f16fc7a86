#include <torch/torch.h>

#include "ganforge/error.h"
#include "ganforge/grid.h"
#include "ganforge/png.h"
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

TEST(Grid, TilesImagesRowMajorWithPadding) {
  // 5 images of 2x3 -> 3 columns (ceil(sqrt(5))), 2 rows; image i filled with value -1 + 0.4 i.
  auto images = torch::empty({5, 1, 2, 3});
  for (int i = 0; i < 5; ++i) images[i].fill_(-1.0 + 0.4 * i);
  const auto g = grid::make(images, 0, 2);
  EXPECT_EQ(g.width, 3u * (3 + 2) + 2);
  EXPECT_EQ(g.height, 2u * (2 + 2) + 2);
  auto at = [&](uint32_t x, uint32_t y) { return g.data[y * g.width + x]; };
  EXPECT_EQ(at(2, 2), 0) << "image 0 = -1 -> 0";
  EXPECT_EQ(at(2 + 5, 2), 51) << "image 1 = -0.6 -> round(0.4 * 127.5)";
  EXPECT_EQ(at(2 + 5, 2 + 4), 204) << "image 4 = 0.6, second row";
  EXPECT_EQ(at(0, 0), 96) << "padding grey";
  EXPECT_EQ(at(2 + 10, 2 + 4), 96) << "empty sixth cell";
}

}  // namespace
}  // namespace ganforge
