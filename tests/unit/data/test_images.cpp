// Image folders and packs (data/images.h): listing and labels, fitting, bad input, the pack's checks.
// Resizing is compared with PyTorch and decoding with PIL in tests/reference/test_images.py.
#include <algorithm>
#include <filesystem>

#include "ganforge/core/error.h"
#include "ganforge/data/images.h"
#include "ganforge/io/fs.h"
#include "test_util.h"

namespace ganforge {
namespace {
namespace fsys = std::filesystem;

png::Image solid(uint32_t w, uint32_t h, uint32_t channels, uint8_t value) {
  png::Image im;
  im.width = w;
  im.height = h;
  im.channels = channels;
  im.data.assign(size_t{w} * h * channels, value);
  return im;
}

void put(const test::TempDir& dir, const std::string& name, const png::Image& im) {
  fsys::create_directories(fsys::path(dir / name).parent_path());
  png::write(dir / name, im);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ImageFolder, ClassesAreSortedSubFoldersAndFilesSortedWithin) {
  test::TempDir dir;
  put(dir, "b/2.png", solid(4, 4, 1, 20));
  put(dir, "b/1.png", solid(4, 4, 1, 10));
  put(dir, "a/x/deep.png", solid(4, 4, 1, 30));  // class folders are searched recursively
  put(dir, "a/.hidden.png", solid(4, 4, 1, 99));  // names starting with '.' are ignored
  test::write_bytes(dir / ".DS_Store", "junk");
  const data::ImageSet set = data::read_image_folder(dir.path.string(), {});
  EXPECT_EQ(set.classes, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(set.count, 3);
  EXPECT_EQ(set.labels, (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(set.channels, 1);
  EXPECT_EQ(set.resolution, 4);
  EXPECT_EQ(set.pixels[0], 30);
  EXPECT_EQ(set.pixels[16], 10);
  EXPECT_EQ(set.pixels[32], 20);
}

TEST(ImageFolder, WithoutSubFoldersIsUnlabelledAndColourDecidesChannels) {
  test::TempDir dir;
  put(dir, "a.png", solid(5, 5, 1, 7));
  put(dir, "b.png", solid(5, 5, 3, 9));
  const data::ImageSet set = data::read_image_folder(dir.path.string(), {});
  EXPECT_FALSE(set.labelled());
  EXPECT_EQ(set.channels, 3);  // one colour image makes the set colour; the grey one is repeated
  EXPECT_EQ(set.labels, (std::vector<int32_t>{0, 0}));
  EXPECT_EQ(std::vector<uint8_t>(set.pixels.begin(), set.pixels.begin() + 75), std::vector<uint8_t>(75, 7));
}

TEST(ImageFolder, BadFilesNameTheFileOrAreSkippedWithAWarning) {
  test::TempDir dir;
  put(dir, "cat/1.png", solid(4, 4, 1, 1));
  test::write_bytes(dir / "cat/notes.txt", "hello");
  auto bytes = png::encode(solid(4, 4, 1, 1));
  test::write_bytes(dir / "cat/cut.png", std::string(bytes.begin(), bytes.begin() + 30));
  test::write_bytes(dir / "cat/fake.jpg", "not a jpeg at all");
  fsys::create_directories(dir / "dog");
  const std::string e = error_of([&] { data::read_image_folder(dir.path.string(), {}); });
  EXPECT_NE(e.find("notes.txt: not an image"), std::string::npos) << e;
  EXPECT_NE(e.find("data.skip_bad"), std::string::npos) << e;
  data::ImageOptions skip;
  skip.skip_bad = true;
  std::vector<std::string> warnings;
  const data::ImageSet set =
      data::read_image_folder(dir.path.string(), skip, {}, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(set.count, 1);
  EXPECT_EQ(set.classes, (std::vector<std::string>{"cat", "dog"}));  // an empty class keeps its label
  ASSERT_EQ(set.skipped.size(), 4u);
  EXPECT_EQ(warnings.size(), 4u);
  std::string all;
  for (const auto& s : set.skipped) all += s + "\n";
  for (const char* part : {"notes.txt: not an image", "cut.png: corrupt PNG", "fake.jpg: not a PNG or JPEG",
                           "dog: class folder has no images"})
    EXPECT_NE(all.find(part), std::string::npos) << part << " in\n" << all;
}

TEST(ImageFolder, NoImagesStrayFilesAndMixedSizesAreErrors) {
  test::TempDir dir;
  EXPECT_NE(error_of([&] { data::read_image_folder(dir.path.string(), {}); }).find("no PNG or JPEG images"),
            std::string::npos);
  EXPECT_NE(error_of([&] { data::read_image_folder(dir / "missing", {}); }).find("image folder not found"),
            std::string::npos);
  put(dir, "a/1.png", solid(4, 4, 1, 1));
  put(dir, "loose.png", solid(4, 4, 1, 1));
  EXPECT_NE(error_of([&] { data::read_image_folder(dir.path.string(), {}); }).find("loose.png: file outside the class folders"),
            std::string::npos);
  fsys::remove(dir / "loose.png");
  put(dir, "a/2.png", solid(6, 6, 1, 1));
  const std::string e = error_of([&] { data::read_image_folder(dir.path.string(), {}); });
  EXPECT_NE(e.find("images of different sizes"), std::string::npos) << e;
  EXPECT_NE(e.find("data.resolution"), std::string::npos) << e;
  data::ImageOptions r;
  r.resolution = 5;
  EXPECT_EQ(data::read_image_folder(dir.path.string(), r).resolution, 5);
}

TEST(FitImage, CropAndPadCentreTheSquareLumaFollowsPil) {
  // 4 wide, 2 high; columns 0..3 hold 10, 20, 30, 40.
  const std::vector<uint8_t> hwc = {10, 20, 30, 40, 10, 20, 30, 40};
  data::ImageOptions o;
  o.channels = 1;
  o.resolution = 2;
  std::vector<uint8_t> out;
  data::fit_image(hwc.data(), 4, 2, 1, o, out);
  EXPECT_EQ(out, (std::vector<uint8_t>{20, 30, 20, 30}));  // the centred 2x2
  out.clear();
  o.fit = "pad";
  o.resolution = 4;
  data::fit_image(hwc.data(), 4, 2, 1, o, out);
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 0, 10, 20, 30, 40, 10, 20, 30, 40, 0, 0, 0, 0}));
  // RGB -> grey: PIL's ITU-R 601-2 luma in 16-bit fixed point.
  const std::vector<uint8_t> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 150, 200};
  out.clear();
  o = {};
  o.channels = 1;
  o.resolution = 2;
  data::fit_image(rgb.data(), 2, 2, 3, o, out);
  EXPECT_EQ(out, (std::vector<uint8_t>{76, 150, 29, 141}));  // PIL 9.4 convert("L") gives these
}

TEST(ResizePlanes, AreaOfAnEvenFactorIsTheBlockMeanAndConstantsStayConstant) {
  std::vector<uint8_t> plane(16);
  for (int i = 0; i < 16; ++i) plane[i] = static_cast<uint8_t>(i * 10);
  const auto area = data::resize_planes(plane.data(), 1, 4, 2, "area");
  EXPECT_EQ(area, (std::vector<uint8_t>{25, 45, 105, 125}));  // e.g. (0 + 10 + 40 + 50) / 4 = 25
  const std::vector<uint8_t> flat(9 * 9, 77);
  for (const char* mode : {"bilinear", "area"})
    for (int64_t out : {3, 4, 13})
      EXPECT_EQ(data::resize_planes(flat.data(), 1, 9, out, mode), std::vector<uint8_t>(size_t(out * out), 77)) << mode;
}

TEST(Pack, RoundTripsAndRefusesDamage) {
  test::TempDir dir;
  put(dir, "x/1.png", solid(3, 3, 1, 5));
  put(dir, "y/1.png", solid(3, 3, 1, 6));
  const data::ImageSet set = data::read_image_folder(dir / "", {});
  const std::string pack = dir / "set.pack";
  data::write_pack(pack, set);
  EXPECT_TRUE(data::is_pack(pack));
  EXPECT_TRUE(data::is_image_source(pack));
  EXPECT_FALSE(data::is_pack(dir / "x/1.png"));
  const data::ImageSet back = data::read_pack(pack);
  EXPECT_EQ(back.pixels, set.pixels);
  EXPECT_EQ(back.labels, set.labels);
  EXPECT_EQ(back.classes, set.classes);
  auto bytes = fs::read_file_bytes(pack);
  std::string flipped(bytes.begin(), bytes.end());
  flipped[flipped.size() - 12] ^= 1;  // one pixel bit
  test::write_bytes(dir / "flipped.pack", flipped);
  EXPECT_NE(error_of([&] { data::read_pack(dir / "flipped.pack"); }).find("CRC-32"), std::string::npos);
  test::write_bytes(dir / "cut.pack", flipped.substr(0, flipped.size() - 3));
  EXPECT_NE(error_of([&] { data::read_pack(dir / "cut.pack"); }).find("the header promises"), std::string::npos);
  std::string bad_header = flipped;
  bad_header.replace(bad_header.find("\"count\":2"), 9, "\"count\":-");
  test::write_bytes(dir / "header.pack", bad_header);
  EXPECT_NE(error_of([&] { data::read_pack(dir / "header.pack"); }).find("damaged image pack"), std::string::npos);
}

TEST(Subset, KeepsKOfEachClassInOrderSeededAndConcatenates) {
  data::ImageSet set;
  set.count = 30;
  set.channels = 1;
  set.resolution = 1;
  for (int i = 0; i < 30; ++i) set.pixels.push_back(static_cast<uint8_t>(i)), set.labels.push_back(i % 3);
  const auto a = data::subset_per_class(set, 4, 7), b = data::subset_per_class(set, 4, 7), c = data::subset_per_class(set, 4, 8);
  ASSERT_EQ(a.count, 12);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, c.pixels);
  EXPECT_TRUE(std::is_sorted(a.pixels.begin(), a.pixels.end()));  // original order kept
  for (int k = 0; k < 3; ++k) EXPECT_EQ(std::count(a.labels.begin(), a.labels.end(), k), 4);
  for (size_t i = 0; i < a.pixels.size(); ++i) EXPECT_EQ(a.labels[i], a.pixels[i] % 3);  // labels travel along
  EXPECT_EQ(data::subset_per_class(set, 50, 1).count, 30);  // fewer than asked: all
  const auto both = data::concatenate({a, c});
  EXPECT_EQ(both.count, 24);
  data::ImageSet other = set;
  other.channels = 3;
  other.pixels.resize(90);
  EXPECT_THROW(data::concatenate({set, other}), UserError);
}

}  // namespace
}  // namespace ganforge
