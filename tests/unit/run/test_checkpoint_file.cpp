// Checkpoint files (run/checkpoint_file.h, train/state.h): another architecture is refused by name, damage is
// caught by the checksum, non-finite weights are never written.
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/io/grid.h"
#include "ganforge/io/idx.h"
#include "ganforge/train/optim.h"
#include "ganforge/io/png.h"
#include "ganforge/run/layout.h"
#include "ganforge/app/train.h"
#include "test_state.h"
#include "seed_config.h"
#include "test_util.h"

namespace ganforge {
namespace {

using test::seed_config;

TEST(Checkpoint, OtherArchitectureIsRefusedByName) {
  test::TempDir dir;
  Config a = seed_config();
  a.train.steps = 1;
  train::TrainState sa = train::make_state(a, {1, 28, 28}, 0);
  train::save_state(dir / "a.pt", sa);
  Config b = a;
  b.model.g_hidden = {128, 256};
  train::TrainState sb = train::make_state(b, {1, 28, 28}, 0);
  try {
    train::load_state(dir / "a.pt", sb);
    FAIL() << "mismatched checkpoint accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the model"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("generator.net.0.weight"), std::string::npos) << e.what();
  }
}


TEST(Checkpoint, ChecksumCatchesCorruptionAndNonFiniteWeightsAreNeverWritten) {
  test::TempDir dir;
  Config cfg = seed_config();
  train::TrainState s = train::make_state(cfg, {1, 28, 28}, 0);
  train::save_state(dir / "a.pt", s);
  EXPECT_TRUE(std::filesystem::exists(dir / "a.pt.crc32"));
  train::TrainState t = train::make_state(cfg, {1, 28, 28}, 0);
  train::load_state(dir / "a.pt", t);  // intact: loads
  std::string bytes = test::read_text(dir / "a.pt");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);  // one flipped bit
  test::write_bytes(dir / "a.pt", bytes);
  try {
    train::load_state(dir / "a.pt", t);
    FAIL() << "corrupt checkpoint accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
  // Without the sidecar (copied by hand, or written by an older ganforge) the zip's own CRC-32s catch it,
  // before LibTorch parses the damaged TorchScript source (a flipped bit there crashed LibTorch 1.13).
  train::save_state(dir / "b.pt", s);
  std::filesystem::remove(dir / "b.pt.crc32");
  bytes = test::read_text(dir / "b.pt");
  const size_t source = bytes.find("__parameters__");
  ASSERT_NE(source, std::string::npos);
  bytes[source + 3] = static_cast<char>(bytes[source + 3] ^ 0x04);
  test::write_bytes(dir / "b.pt", bytes);
  try {
    train::load_state(dir / "b.pt", t);
    FAIL() << "corrupt checkpoint without a sidecar accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("b.pt: corrupt or unreadable checkpoint"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(".py' fails its CRC-32"), std::string::npos) << e.what();
  }
  {
    torch::NoGradGuard no_grad;
    s.g->parameters()[0][0][0] = std::numeric_limits<float>::quiet_NaN();
  }
  EXPECT_THROW(train::save_state(dir / "nan.pt", s), train::NonFiniteWeights);
  EXPECT_FALSE(std::filesystem::exists(dir / "nan.pt"));
}

}  // namespace
}  // namespace ganforge
