// Export (run/export.h) loaded back by LibTorch's torch::jit::load in this process: the module gives the
// generator's images for the same noise and labels, for each architecture and the conditional G; the
// state dict holds exactly the network's tensors. tests/reference/test_export.py does the same in PyTorch.
#include <torch/script.h>

#include "ganforge/core/config.h"
#include "ganforge/run/export.h"
#include "ganforge/run/snapshot.h"
#include "test_util.h"

namespace ganforge {
namespace {

run::GeneratorSnapshot snapshot(const std::string& arch, const std::string& conditional, std::vector<int64_t> shape) {
  run::GeneratorSnapshot g;
  g.model.arch = arch;
  g.model.conditional = conditional;
  g.model.g_hidden = {32, 48};
  g.model.g_batchnorm = true;
  g.model.g_activation = "leaky_relu";
  g.model.g_channels = 8;
  g.model.z_dim = 12;
  g.image_shape = std::move(shape);
  torch::manual_seed(3);
  g.g = models::make_generator(g.model, g.image_shape);
  // Running statistics away from 0 and 1, so an exported batch norm that ignored them would be caught.
  torch::NoGradGuard no_grad;
  for (auto& b : g.g->named_buffers())
    if (b.key().find("running") != std::string::npos) b.value().uniform_(0.5, 1.5);
  g.g->eval();
  return g;
}

TEST(Export, TorchScriptLoadedByLibTorchGivesTheGeneratorsImages) {
  test::TempDir dir;
  struct Case {
    std::string arch, conditional;
    std::vector<int64_t> shape;
  };
  for (const Case& c : {Case{"mlp", "", {1, 28, 28}}, Case{"mlp", "concat", {1, 28, 28}}, Case{"dcgan", "", {3, 32, 32}},
                        Case{"dcgan", "projection", {1, 28, 28}}, Case{"mlp", "", {2}}}) {
    SCOPED_TRACE(c.arch + " " + c.conditional);
    run::GeneratorSnapshot g = snapshot(c.arch, c.conditional, c.shape);
    const std::string out = dir / "g.pt";
    const run::ExportResult r = run::export_torchscript(g, out, run::export_metadata(g));
    EXPECT_LT(r.max_diff, 1e-5);
    torch::jit::ExtraFilesMap extra{{"ganforge.json", ""}};
    torch::jit::Module m = torch::jit::load(out, c10::nullopt, extra);
    EXPECT_NE(extra["ganforge.json"].find("\"z_dim\": 12"), std::string::npos) << extra["ganforge.json"];
    EXPECT_EQ(m.attr("z_dim").toInt(), 12);
    const int64_t n = 7;
    const torch::Tensor z = run::noise(g.model, n, /*seed=*/4, /*batch=*/3);
    const torch::Tensor ours = run::generate(g, n, 4, 3);
    std::vector<c10::IValue> in = {z};
    if (!c.conditional.empty()) in.push_back(models::balanced_labels(n, g.model.classes));
    const torch::Tensor theirs = m.forward(in).toTensor();
    ASSERT_EQ(theirs.sizes(), ours.sizes());
    EXPECT_LT((theirs - ours).abs().max().item<double>(), 1e-5);
  }
}

TEST(Export, StateDictHoldsTheNetworksTensorsUnderSequentialNames) {
  test::TempDir dir;
  run::GeneratorSnapshot g = snapshot("mlp", "concat", {1, 28, 28});
  run::export_state_dict(g, dir / "sd.pt");
  std::ifstream in(dir / "sd.pt", std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto dict = torch::pickle_load(bytes).toGenericDict();
  const auto params = g.g->named_parameters();
  size_t tensors = 0;
  for (const auto& p : params) {
    ASSERT_EQ(p.key().rfind("g.net.", 0), 0u) << p.key();
    const std::string name = p.key().substr(6);
    ASSERT_TRUE(dict.contains(name)) << name;
    EXPECT_TRUE(dict.at(name).toTensor().equal(p.value()));
    ++tensors;
  }
  tensors += g.g->named_buffers().size();
  EXPECT_EQ(dict.size(), tensors);
}

}  // namespace
}  // namespace ganforge
