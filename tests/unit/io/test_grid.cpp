#include <torch/torch.h>

#include "ganforge/io/grid.h"
#include "test_util.h"

namespace ganforge {
namespace {

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
