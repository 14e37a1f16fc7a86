#include <filesystem>

#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "test_util.h"

namespace ganforge {
namespace {

const char* kMinimal = "[train]\nsteps = 10\n";

std::string config_error(const std::string& text) {
  try {
    parse_config(text, "c.toml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::string override_error(const std::string& assignment) {
  Config cfg = parse_config(kMinimal, "c.toml");
  try {
    apply_override(cfg, assignment);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreTheSeedRecipe) {
  const Config cfg = parse_config(kMinimal, "c.toml");
  EXPECT_EQ(cfg.train.steps, 10);
  EXPECT_EQ(cfg.model.z_dim, 100);
  EXPECT_EQ(cfg.data.batch_size, 128);
  EXPECT_DOUBLE_EQ(cfg.optim.lr_g, 2e-4);
  EXPECT_DOUBLE_EQ(cfg.optim.lr_d, 2e-4);
  EXPECT_EQ(cfg.train.d_steps, 1);
}

TEST(Config, UnknownKeySuggestsTheClosest) {
  const std::string e = config_error("[train]\nstesp = 10\n");
  EXPECT_NE(e.find("unknown key 'train.stesp'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'train.steps'"), std::string::npos) << e;
  EXPECT_NE(e.find("c.toml:2"), std::string::npos) << "the line is named: " << e;
  const std::string section = config_error("[trian]\nsteps = 10\n");
  EXPECT_NE(section.find("unknown key 'trian'"), std::string::npos) << section;
}

TEST(Config, WrongTypesAndRangesNameTheKey) {
  EXPECT_NE(config_error("[train]\nsteps = \"ten\"\n").find("train.steps must be an integer"), std::string::npos);
  EXPECT_NE(config_error("[train]\nsteps = 10\n[optim]\nlr_g = 0\n").find("optim.lr_g = 0 is out of range"),
            std::string::npos)
      << config_error("[train]\nsteps = 10\n[optim]\nlr_g = 0\n");
  EXPECT_NE(config_error("[train]\nsteps = -5\n").find("train.steps = -5 is out of range"), std::string::npos);
  EXPECT_NE(config_error("[train]\nsteps = 10\n[data]\nbatch_size = 0\n").find("data.batch_size = 0"),
            std::string::npos);
  const std::string choice = config_error("[train]\nsteps = 10\n[loss]\ng_loss = \"wasserstein\"\n");
  EXPECT_NE(choice.find("choose one of: non_saturating, minimax"), std::string::npos) << choice;
  const std::string list = config_error("[train]\nsteps = 10\n[model]\ng_hidden = [256, \"x\"]\n");
  EXPECT_NE(list.find("model.g_hidden must be an array of integers"), std::string::npos) << list;
  EXPECT_NE(config_error("[train\nsteps = 1").find("TOML syntax error"), std::string::npos);
}

TEST(Config, BudgetMustBeExactlyOneOfStepsAndEpochs) {
  EXPECT_NE(config_error("").find("no budget"), std::string::npos);
  EXPECT_NE(config_error("[train]\nsteps = 5\nepochs = 2\n").find("both train.steps"), std::string::npos);
  EXPECT_EQ(config_error("[train]\nepochs = 2.5\n"), "");
}

TEST(Config, MemoryHungryShapesAreRefused) {
  const std::string e = config_error("[train]\nsteps = 1\n[data]\nbatch_size = 1000000\n[model]\nz_dim = 65536\n");
  EXPECT_NE(e.find("needs over 4 GB"), std::string::npos) << e;
}

TEST(Config, OverridesParseTomlValuesAndBareStrings) {
  Config cfg = parse_config(kMinimal, "c.toml");
  apply_override(cfg, "train.steps=1234");
  apply_override(cfg, "optim.lr_d=1e-3");
  apply_override(cfg, "data.dataset=fashion-mnist");
  apply_override(cfg, "model.g_hidden=[64, 32]");
  apply_override(cfg, "name=\"quoted\"");
  EXPECT_EQ(cfg.train.steps, 1234);
  EXPECT_DOUBLE_EQ(cfg.optim.lr_d, 1e-3);
  EXPECT_EQ(cfg.data.dataset, "fashion-mnist");
  EXPECT_EQ(cfg.model.g_hidden, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(cfg.name, "quoted");
  EXPECT_NE(override_error("train.step=5").find("did you mean 'train.steps'"), std::string::npos);
  EXPECT_NE(override_error("steps").find("expected section.key=value"), std::string::npos);
  EXPECT_NE(override_error("train.steps=abc").find("must be an integer"), std::string::npos);
  EXPECT_NE(override_error("model.noise=gaussian").find("choose one of: normal, uniform"), std::string::npos);
}

TEST(Config, ResolvedTomlRoundTrips) {
  Config cfg = parse_config(kMinimal, "c.toml");
  cfg.model.d_hidden = {7, 8, 9};
  cfg.optim.lr_g = 3.5e-5;
  cfg.model.noise = "uniform";
  cfg.name = "x";
  const std::string text = to_toml(cfg);
  const Config back = parse_config(text, "resolved");
  EXPECT_EQ(to_toml(back), text);
  EXPECT_EQ(back.model.d_hidden, cfg.model.d_hidden);
  EXPECT_DOUBLE_EQ(back.optim.lr_g, cfg.optim.lr_g);
  EXPECT_EQ(back.model.noise, "uniform");
}

TEST(Config, EveryShippedConfigLoads) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::source_dir() + "/configs")) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().string());
    const Config cfg = load_config(e.path().string());
    EXPECT_EQ(cfg.name, e.path().stem().string());
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST(Config, SeedPresetsMatchTheRecipes) {
  const Config keras = load_config(test::source_dir() + "/configs/seed-keras-mlp.toml");
  EXPECT_EQ(keras.model.g_hidden, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(keras.model.d_hidden, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(keras.model.noise, "normal");
  EXPECT_EQ(keras.model.init, "glorot");
  EXPECT_DOUBLE_EQ(keras.optim.eps, 1e-7);
  const Config tf = load_config(test::source_dir() + "/configs/seed-tf-mlp.toml");
  EXPECT_EQ(tf.model.g_hidden, (std::vector<int64_t>{128, 256, 512, 1024}));
  EXPECT_EQ(tf.model.d_hidden, (std::vector<int64_t>{1024, 512, 256, 128}));
  EXPECT_EQ(tf.model.noise, "uniform");
  for (const Config* c : {&keras, &tf}) {
    EXPECT_EQ(c->model.z_dim, 100);
    EXPECT_EQ(c->data.batch_size, 128);
    EXPECT_DOUBLE_EQ(c->optim.lr_g, 2e-4);
    EXPECT_DOUBLE_EQ(c->optim.beta1, 0.9);
  }
}

std::string load_error(const std::string& path) {
  try {
    load_config(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// `base = "FILE"`: the file's keys on top of FILE's (relative to the file), bases of bases, the run named by
// the file; a cycle, a missing base and a non-string base are one-line errors naming the file.
TEST(Config, BaseFilesLayerUnderTheFile) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path / "sub");
  test::write_bytes(dir / "a.toml", "name = \"from-a\"\n[model]\nz_dim = 7\ng_hidden = [3, 4]\n[train]\nsteps = 10\nseed = 5\n");
  test::write_bytes(dir / "b.toml", "base = \"a.toml\"\n[model]\nz_dim = 9\n[optim]\nlr_g = 1e-3\n");
  test::write_bytes(dir / "sub/c.toml", "base = \"../b.toml\"\n[train]\nseed = 6\n");
  const Config c = load_config(dir / "sub/c.toml");
  EXPECT_EQ(c.name, "c");  // not a's name
  EXPECT_EQ(c.model.z_dim, 9);                                      // b over a
  EXPECT_EQ(c.model.g_hidden, (std::vector<int64_t>{3, 4}));       // a's, untouched
  EXPECT_DOUBLE_EQ(c.optim.lr_g, 1e-3);                             // b's
  EXPECT_EQ(c.train.seed, 6);                                       // c over a
  EXPECT_EQ(c.train.steps, 10);
  EXPECT_EQ(load_config(dir / "a.toml").name, "from-a");
  // The resolved config has no base: a run's config.toml stands alone.
  EXPECT_EQ(to_toml(c).find("base"), std::string::npos);
  EXPECT_EQ(to_toml(parse_config(to_toml(c), "resolved")), to_toml(c));

  test::write_bytes(dir / "x.toml", "base = \"y.toml\"\n");
  test::write_bytes(dir / "y.toml", "base = \"x.toml\"\n");
  EXPECT_NE(load_error(dir / "x.toml").find("form a cycle"), std::string::npos) << load_error(dir / "x.toml");
  test::write_bytes(dir / "self.toml", "base = \"self.toml\"\n");
  EXPECT_NE(load_error(dir / "self.toml").find("form a cycle"), std::string::npos);
  test::write_bytes(dir / "m.toml", "base = \"missing.toml\"\n[train]\nsteps = 1\n");
  EXPECT_NE(load_error(dir / "m.toml").find("missing.toml: config file not found"), std::string::npos)
      << load_error(dir / "m.toml");
  test::write_bytes(dir / "n.toml", "base = 3\n");
  EXPECT_NE(load_error(dir / "n.toml").find("base must be the path of another config file"), std::string::npos)
      << load_error(dir / "n.toml");
  // A base's unknown key is named with the base's file.
  test::write_bytes(dir / "bad.toml", "[train]\nstesp = 1\n");
  test::write_bytes(dir / "d.toml", "base = \"bad.toml\"\n");
  EXPECT_NE(load_error(dir / "d.toml").find("bad.toml"), std::string::npos) << load_error(dir / "d.toml");
  // The combination is validated, not each file: a base may lack the budget its child sets.
  test::write_bytes(dir / "nobudget.toml", "[model]\nz_dim = 4\n");
  test::write_bytes(dir / "e.toml", "base = \"nobudget.toml\"\n[train]\nsteps = 3\n");
  EXPECT_EQ(load_config(dir / "e.toml").model.z_dim, 4);
  // Only files have bases: text parsed on its own refuses the key.
  EXPECT_NE(config_error("base = \"a.toml\"\n[train]\nsteps = 1\n").find("unknown key 'base'"), std::string::npos);
}

TEST(Config, MaxoutAndMinibatchStdAreCheckedAgainstTheArchitecture) {
  EXPECT_EQ(config_error("[train]\nsteps = 1\n[data]\ndataset = \"ring8\"\n[model]\nd_activation = \"maxout\"\n"), "");
  EXPECT_EQ(config_error("[train]\nsteps = 1\n[model]\nd_activation = \"maxout\"\nmaxout_pieces = 3\n"), "");
  EXPECT_NE(config_error("[train]\nsteps = 1\n[model]\narch = \"dcgan\"\nd_activation = \"maxout\"\n")
                .find("'maxout' is for model.arch = 'mlp'"),
            std::string::npos);
  EXPECT_NE(config_error("[train]\nsteps = 1\n[model]\nmaxout_pieces = 1\n").find("model.maxout_pieces = 1 is out of range"),
            std::string::npos);
  EXPECT_NE(config_error("[train]\nsteps = 1\n[model]\nd_minibatch_std = 1\n").find("groups of one sample"),
            std::string::npos);
  EXPECT_EQ(config_error("[train]\nsteps = 1\n[model]\narch = \"dcgan\"\nd_minibatch_std = 4\n"), "");
  // g_activation stays without maxout (G's layers are not built for it).
  EXPECT_NE(config_error("[train]\nsteps = 1\n[model]\ng_activation = \"maxout\"\n").find("choose one of"),
            std::string::npos);
}

TEST(Config, MissingFileIsAUserError) {
  EXPECT_THROW(load_config("/nonexistent/c.toml"), UserError);
}

}  // namespace
}  // namespace ganforge
