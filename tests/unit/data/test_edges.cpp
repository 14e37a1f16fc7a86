// Edge maps (data/edges.h) and paired sets in packs (data/images.h): where Canny puts strokes on shapes whose
// edges are known, what the thresholds mean, and that a pair's two halves stay together through packs,
// subsets and previews.
#include <algorithm>
#include <cstdlib>

#include "ganforge/core/error.h"
#include "ganforge/data/edges.h"
#include "ganforge/data/images.h"
#include "ganforge/io/fs.h"
#include "test_util.h"

namespace ganforge {
namespace {

// A grey r x r image: `inside` on the square [lo, hi) x [lo, hi), `outside` elsewhere.
std::vector<uint8_t> square(int64_t r, int64_t lo, int64_t hi, uint8_t inside, uint8_t outside) {
  std::vector<uint8_t> im(static_cast<size_t>(r * r), outside);
  for (int64_t y = lo; y < hi; ++y)
    for (int64_t x = lo; x < hi; ++x) im[y * r + x] = inside;
  return im;
}

int64_t strokes(const std::vector<uint8_t>& e) { return std::count(e.begin(), e.end(), uint8_t{0}); }

TEST(Edges, StrokesLieOnASquaresBorderAndNowhereElse) {
  const int64_t r = 32, lo = 8, hi = 24;
  const auto e = data::edge_map(square(r, lo, hi, 255, 0).data(), 1, r, {0.0, 100, 200});
  ASSERT_EQ(e.size(), size_t(r * r));
  for (int64_t y = 0; y < r; ++y)
    for (int64_t x = 0; x < r; ++x) {
      const uint8_t v = e[y * r + x];
      ASSERT_TRUE(v == 0 || v == 255) << "a sketch is black on white only";
      // The step lies between pixels lo-1 and lo (and hi-1 and hi): a stroke is drawn on one side of it.
      const bool near_x = (x >= lo - 1 && x <= lo) || (x >= hi - 1 && x <= hi);
      const bool near_y = (y >= lo - 1 && y <= lo) || (y >= hi - 1 && y <= hi);
      const bool on_border = (near_x && y >= lo - 1 && y <= hi) || (near_y && x >= lo - 1 && x <= hi);
      if (v == 0) EXPECT_TRUE(on_border) << "stroke off the border at " << x << "," << y;
    }
  // Each side is drawn along its whole inner length (a closed outline).
  for (int64_t t = lo + 1; t < hi - 1; ++t) {
    EXPECT_TRUE(e[t * r + lo - 1] == 0 || e[t * r + lo] == 0) << "left side, row " << t;
    EXPECT_TRUE(e[t * r + hi - 1] == 0 || e[t * r + hi] == 0) << "right side, row " << t;
    EXPECT_TRUE(e[(lo - 1) * r + t] == 0 || e[lo * r + t] == 0) << "top side, column " << t;
    EXPECT_TRUE(e[(hi - 1) * r + t] == 0 || e[hi * r + t] == 0) << "bottom side, column " << t;
  }
}

TEST(Edges, ThresholdsAreOnTheSobelMagnitude) {
  // A step of height h has a 3x3 Sobel magnitude of 4h at the step: h = 20 gives 80.
  const int64_t r = 16;
  const auto faint = square(r, 4, 12, 120, 100);
  EXPECT_EQ(strokes(data::edge_map(faint.data(), 1, r, {0.0, 50, 90})), 0) << "80 is below high = 90: no edge starts";
  EXPECT_GT(strokes(data::edge_map(faint.data(), 1, r, {0.0, 50, 70})), 0) << "80 is above high = 70";
  EXPECT_EQ(strokes(data::edge_map(square(r, 0, 0, 0, 77).data(), 1, r, {1.0, 0, 0})), 0) << "a flat image has no edge";
  // Blur spreads the step, lowering its peak gradient below a threshold the sharp step passes.
  const auto sharp = square(r, 4, 12, 140, 100);  // magnitude 160 unblurred
  EXPECT_GT(strokes(data::edge_map(sharp.data(), 1, r, {0.0, 100, 150})), 0);
  EXPECT_EQ(strokes(data::edge_map(sharp.data(), 1, r, {2.0, 100, 150})), 0);
}

TEST(Edges, ColourIsDetectedOnItsLuma) {
  const int64_t r = 20;
  std::vector<uint8_t> rgb, grey;
  for (int c = 0; c < 3; ++c) {
    const auto plane = square(r, 5, 15, static_cast<uint8_t>(40 + 90 * c), static_cast<uint8_t>(200 - 60 * c));
    rgb.insert(rgb.end(), plane.begin(), plane.end());
  }
  for (int64_t p = 0; p < r * r; ++p) grey.push_back(data::luma(rgb[p], rgb[r * r + p], rgb[2 * r * r + p]));
  const data::EdgeOptions o{1.0, 20, 40};
  const auto a = data::edge_map(rgb.data(), 3, r, o), b = data::edge_map(grey.data(), 1, r, o);
  EXPECT_EQ(a, b);
  EXPECT_GT(strokes(a), 0);
}

data::ImageSet squares(int64_t count, int64_t channels, int64_t r) {
  data::ImageSet set;
  set.count = count;
  set.channels = channels;
  set.resolution = r;
  set.classes = {"a", "b"};
  for (int64_t i = 0; i < count; ++i) {
    const auto plane = square(r, 1 + i % 4, r - 1, static_cast<uint8_t>(250 - i), 10);
    for (int64_t c = 0; c < channels; ++c) set.pixels.insert(set.pixels.end(), plane.begin(), plane.end());
    set.labels.push_back(static_cast<int32_t>(i % 2));
  }
  set.source = "squares";
  return set;
}

TEST(Edges, WithEdgesPairsEachImageAndChecksItsOptions) {
  const data::ImageSet set = squares(6, 3, 12);
  const data::ImageSet paired = data::with_edges(set, {});
  EXPECT_TRUE(paired.paired());
  EXPECT_EQ(paired.input_channels, 1);
  EXPECT_EQ(paired.pixels, set.pixels);
  EXPECT_EQ(paired.labels, set.labels);
  ASSERT_EQ(paired.inputs.size(), size_t(6 * 12 * 12));
  for (int64_t i = 0; i < 6; ++i) {
    const auto one = data::edge_map(set.pixels.data() + i * 3 * 144, 3, 12, {});
    EXPECT_TRUE(std::equal(one.begin(), one.end(), paired.inputs.begin() + i * 144)) << "pair " << i;
  }
  EXPECT_EQ(paired.inputs_from, "canny(blur=1, low=100, high=200)");
  EXPECT_THROW(data::with_edges(set, {1.0, 300, 200}), UserError);
  EXPECT_THROW(data::with_edges(set, {-1.0, 1, 2}), UserError);
  EXPECT_THROW(data::with_edges(squares(2, 1, 2), {}), UserError);
}

TEST(Edges, PairsStayTogetherInPacksSubsetsAndPreviews) {
  test::TempDir dir;
  const data::ImageSet paired = data::with_edges(squares(8, 1, 10), {0.0, 100, 200});
  const std::string pack = dir / "pairs.pack";
  data::write_pack(pack, paired);
  const data::ImageSet back = data::read_pack(pack);
  EXPECT_EQ(back.input_channels, 1);
  EXPECT_EQ(back.inputs, paired.inputs);
  EXPECT_EQ(back.pixels, paired.pixels);
  EXPECT_EQ(back.inputs_from, paired.inputs_from);
  auto bytes = fs::read_file_bytes(pack);
  std::string flipped(bytes.begin(), bytes.end());
  flipped[flipped.size() - 8 * 4 - 5] ^= 1;  // a bit of the last input
  test::write_bytes(dir / "flipped.pack", flipped);
  EXPECT_THROW(data::read_pack(dir / "flipped.pack"), UserError);
  const data::ImageSet sub = data::subset_per_class(back, 2, 3);
  ASSERT_EQ(sub.count, 4);
  for (int64_t j = 0; j < sub.count; ++j) {  // each kept image still has its own edge map
    const auto e = data::edge_map(sub.pixels.data() + j * 100, 1, 10, {0.0, 100, 200});
    EXPECT_TRUE(std::equal(e.begin(), e.end(), sub.inputs.begin() + j * 100)) << j;
  }
  EXPECT_THROW(data::concatenate({back, squares(2, 1, 10)}), UserError);
  const png::Image grid = data::preview_grid(back, 3);
  EXPECT_EQ(grid.width, 3u * (2 * 10 + 1 + 2) + 2);  // per cell: input, 1 px, image, 2 px gap
  EXPECT_EQ(grid.height, 2u * (10 + 2) + 2);
  EXPECT_EQ(grid.data[(2 * grid.width + 2 + 1) * 1], back.inputs[1]) << "the input comes first";
  EXPECT_EQ(grid.data[(2 * grid.width + 2 + 11) * 1], back.pixels[0]) << "then the image";
}

// A drawing w x h with `channels`, all paper (`paper`), and a one-pixel `ink` line along row y0 from x0 to x1.
std::vector<uint8_t> drawing(int64_t w, int64_t h, int64_t channels, uint8_t paper, uint8_t ink, int64_t y0,
                             int64_t x0, int64_t x1) {
  std::vector<uint8_t> im(static_cast<size_t>(w * h * channels), paper);
  for (int64_t x = x0; x < x1; ++x)
    for (int64_t c = 0; c < channels; ++c) im[(y0 * w + x) * channels + c] = ink;
  return im;
}

TEST(Sketch, AThinLineSurvivesShrinkingSixteenfold) {
  // 512 x 512 -> 32 x 32 (s = 16): a one-pixel line covers 1/16 of each output pixel it crosses, above the
  // threshold 1 / (2 s) = 1/32. Row 200 of the drawing lands in output row 200 / 16 = 12.
  const auto out = data::sketch_input(drawing(512, 512, 1, 255, 0, 200, 64, 448).data(), 512, 512, 1, 32, "d.png");
  ASSERT_EQ(out.size(), size_t(32 * 32));
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 0; x < 32; ++x) {
      const bool stroke = y == 12 && x >= 4 && x < 28;
      EXPECT_EQ(out[y * 32 + x], stroke ? 0 : 255) << x << "," << y;
    }
}

TEST(Sketch, SpecksBelowHalfALineAreDropped) {
  // A 4 x 1 speck in a 64 x 64 -> 4 x 4 drawing (s = 16) covers 4/256 = 1/64 of its output pixel: below 1/32.
  const auto out = data::sketch_input(drawing(64, 64, 1, 255, 0, 5, 0, 4).data(), 64, 64, 1, 4, "d.png");
  EXPECT_EQ(std::count(out.begin(), out.end(), uint8_t{0}), 0);
  // Eight pixels (1/32) make it.
  const auto out8 = data::sketch_input(drawing(64, 64, 1, 255, 0, 5, 0, 8).data(), 64, 64, 1, 4, "d.png");
  EXPECT_EQ(std::count(out8.begin(), out8.end(), uint8_t{0}), 1);
  EXPECT_EQ(out8[0], 0) << "row 5 of 64 lies in row 0 of 4";
}

TEST(Sketch, LightStrokesOnDarkAreInvertedAndGreyRgbIsAccepted) {
  // White line on black, as RGB with equal channels: read as ink on paper.
  const auto a = data::sketch_input(drawing(32, 32, 3, 0, 255, 7, 2, 30).data(), 32, 32, 3, 32, "d.png");
  const auto b = data::sketch_input(drawing(32, 32, 1, 255, 0, 7, 2, 30).data(), 32, 32, 1, 32, "d.png");
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::count(a.begin(), a.end(), uint8_t{0}), 28) << "at the same size: the line itself";
}

TEST(Sketch, AWideDrawingIsPaddedWithPaperToItsCentredSquare) {
  // 64 x 32 -> 32 x 32: the square is 64 x 64 with the drawing in rows 16 .. 47, so drawing row 0 -> output 8.
  const auto out = data::sketch_input(drawing(64, 32, 1, 255, 0, 0, 0, 64).data(), 64, 32, 1, 32, "d.png");
  for (int64_t x = 0; x < 32; ++x) EXPECT_EQ(out[8 * 32 + x], 0) << x;
  EXPECT_EQ(std::count(out.begin(), out.end(), uint8_t{0}), 32);
}

TEST(Sketch, EmptyAndColourDrawingsAreRefusedByName) {
  const auto blank = drawing(40, 30, 1, 255, 255, 0, 0, 0);
  const auto black = drawing(40, 30, 1, 0, 0, 0, 0, 0);
  auto message = [](const std::vector<uint8_t>& im, int64_t c) {
    try {
      data::sketch_input(im.data(), 40, 30, c, 32, "me.png");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(blank, 1), "me.png: no strokes (every pixel is light)");
  EXPECT_EQ(message(black, 1), "me.png: no strokes (every pixel is dark)");
  std::vector<uint8_t> red(40 * 30 * 3, 255);
  for (size_t i = 0; i < red.size(); i += 3) red[i + 1] = red[i + 2] = 40;  // pure red paper
  EXPECT_NE(message(red, 3).find("a colour image"), std::string::npos);
  // A few coloured pixels (a signature, 1% or less) do not make a drawing colour.
  std::vector<uint8_t> signed_(drawing(40, 30, 3, 255, 0, 3, 0, 40));
  for (int i = 0; i < 12; ++i) signed_[(29 * 40 + i) * 3 + 1] = 0;  // 12 of 1,200 pixels magenta
  EXPECT_EQ(message(signed_, 3), "accepted");
  EXPECT_THROW(data::sketch_input(blank.data(), 0, 30, 1, 32, "z.png"), UserError);
  EXPECT_THROW(data::sketch_input(drawing(8, 8, 1, 255, 0, 1, 0, 8).data(), 8, 8, 1, 0, "r.png"), UserError);
}

}  // namespace
}  // namespace ganforge
