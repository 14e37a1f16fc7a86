// The exporter writes the generator's forward as TorchScript source, layer by layer from G's Sequential,
// with its tensors as the module's parameters and buffers: the module needs nothing of ganforge to run.
// Kept in its own translation unit: torch/script.h is heavy to compile.
#include "ganforge/run/export.h"

#include <torch/script.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/models/layers.h"

namespace ganforge::run {
namespace {

// G's own network: the Sequential "net" of the architecture, inside "g" for a conditional G.
torch::nn::Sequential network(models::GeneratorImpl& g) {
  torch::nn::Module* arch = &g;
  if (g.classes() > 0) arch = g.named_children()["g"].get();
  const auto children = arch->named_children();
  if (!children.contains("net")) throw std::logic_error("export: the generator has no 'net'");
  return torch::nn::Sequential(std::dynamic_pointer_cast<torch::nn::SequentialImpl>(children["net"]));
}

class Writer {
 public:
  explicit Writer(torch::jit::Module& m) : m_(m) {}
  std::string tensor(const std::string& name, const torch::Tensor& t, bool parameter = true) {
    if (!t.defined()) return "None";
    m_.register_parameter(name, t.detach().clone().contiguous(), /*is_buffer=*/!parameter);
    return "self." + name;
  }
  // The line that applies layer `i`, whose tensors are registered as net_<i>_*.
  std::string layer(size_t i, const std::shared_ptr<torch::nn::Module>& child) {
    const std::string p = "net_" + std::to_string(i) + "_";
    if (auto* l = child->as<models::Linear>())
      return "x = torch.linear(x, " + tensor(p + "weight", l->weight) + ", " + tensor(p + "bias", l->bias) + ")";
    if (auto* c = child->as<torch::nn::Conv2d>())
      return "x = torch.conv2d(x, " + tensor(p + "weight", c->weight) + ", " + tensor(p + "bias", c->bias) + ", [" +
             pair(c->options.stride()->at(0)) + "], [" + pair(c10::get<torch::ExpandingArray<2>>(c->options.padding())->at(0)) +
             "])";
    if (auto* n = child->as<torch::nn::InstanceNorm2d>())  // no affine, no running statistics (pix2pix)
      return "x = torch.instance_norm(x, None, None, None, None, True, 0.0, " + number(n->options.eps()) + ", False)";
    if (auto* c = child->as<models::ConvTranspose2d>())
      return "x = torch.conv_transpose2d(x, " + tensor(p + "weight", c->weight) + ", " + tensor(p + "bias", c->bias) +
             ", [" + pair(c->stride) + "], [" + pair(c->padding) + "])";
    if (auto* b = child->as<torch::nn::BatchNorm1d>()) return batch_norm(p, *b);
    if (auto* b = child->as<torch::nn::BatchNorm2d>()) return batch_norm(p, *b);
    if (child->as<torch::nn::ReLU>()) return "x = torch.relu(x)";
    if (auto* a = child->as<torch::nn::LeakyReLU>())
      return "x = torch.leaky_relu(x, " + number(a->options.negative_slope()) + ")";
    if (auto* a = child->as<torch::nn::ELU>()) return "x = torch.elu(x, " + number(a->options.alpha()) + ")";
    if (child->as<models::Tanh>() || child->as<torch::nn::Tanh>()) return "x = torch.tanh(x)";
    if (child->as<torch::nn::Dropout>()) return "pass  # dropout: identity in eval mode";
    throw UserError("export: G's layer " + std::to_string(i) + " (" + child->name() + ") cannot be exported yet");
  }

 private:
  template <typename BN>
  std::string batch_norm(const std::string& p, BN& b) {
    return "x = torch.batch_norm(x, " + tensor(p + "weight", b.weight) + ", " + tensor(p + "bias", b.bias) + ", " +
           tensor(p + "running_mean", b.running_mean, false) + ", " + tensor(p + "running_var", b.running_var, false) +
           ", False, 0.0, " + number(b.options.eps()) + ", False)";
  }
  static std::string pair(int64_t v) { return std::to_string(v) + ", " + std::to_string(v); }
  static std::string number(double v) {
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", v);
    return text;
  }
  torch::jit::Module& m_;
};

// pix2pix's U-Net (models/pix2pix.cpp): a chain of levels, each "down", then the level "below" it, then "up";
// below the outermost level the output is [the level's input, up(...)]. Written out flat: the inputs kept
// on the way down (s0, s1, ...), joined again on the way up.
std::string unet_source(models::GeneratorImpl& net, Writer& w) {
  std::vector<std::shared_ptr<torch::nn::Module>> levels;
  for (auto level = net.named_children()["net"]; level; ) {
    levels.push_back(level);
    const auto children = level->named_children();
    level = children.contains("below") ? children["below"] : nullptr;
  }
  std::ostringstream src;
  src << "def forward(self, x: Tensor) -> Tensor:\n";
  size_t i = 0;
  auto apply = [&](const std::shared_ptr<torch::nn::Module>& level, const char* part) {
    for (const auto& child : level->named_children()[part]->children()) src << "    " << w.layer(i++, child) << "\n";
  };
  for (size_t k = 0; k < levels.size(); ++k) {
    src << "    s" << k << " = x\n";
    apply(levels[k], "down");
  }
  for (size_t k = levels.size(); k-- > 0;) {
    apply(levels[k], "up");
    if (k > 0) src << "    x = torch.cat([s" << k << ", x], 1)\n";
  }
  src << "    return x\n";
  return src.str();
}

// The TorchScript source of forward.
std::string forward_source(GeneratorSnapshot& g, Writer& w) {
  models::GeneratorImpl& net = *g.sampler();
  if (g.model.arch == "pix2pix") return unet_source(net, w);
  const int64_t classes = net.classes();
  std::ostringstream src;
  src << (classes > 0 ? "def forward(self, z: Tensor, y: Tensor) -> Tensor:\n" : "def forward(self, z: Tensor) -> Tensor:\n");
  src << "    x = z\n";
  if (classes > 0)
    src << "    x = torch.cat([x, torch.one_hot(y.long(), " << classes << ").to(x.dtype)], 1)\n";
  if (g.model.arch == "dcgan") src << "    x = x.view(x.size(0), x.size(1), 1, 1)\n";
  const torch::nn::Sequential seq = network(net);
  size_t i = 0;
  for (const auto& child : seq->children()) src << "    " << w.layer(i++, child) << "\n";
  if (g.model.arch == "mlp") {
    if (g.model.g_output == "tanh") src << "    x = torch.tanh(x)\n";
    src << "    x = x.view(x.size(0)";
    for (int64_t d : g.image_shape) src << ", " << d;
    src << ")\n";
  }
  src << "    return x\n";
  return src.str();
}

// The generator and the module on the same 16 samples (balanced labels for a conditional G).
double check(GeneratorSnapshot& g, torch::jit::Module& m) {
  torch::InferenceMode guard;
  auto& net = *g.sampler();
  net.eval();
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(12345);
  // A translator's input: 16 images in [-1, 1] of its input's shape.
  const torch::Tensor z = g.model.arch == "pix2pix"
                              ? torch::rand({16, g.model.input_channels, g.image_shape[1], g.image_shape[2]}, gen) * 2 - 1
                              : models::sample_noise(g.model, 16, gen);
  std::vector<c10::IValue> in = {z};
  torch::Tensor y;
  if (net.classes() > 0) in.push_back(y = models::balanced_labels(16, net.classes()));
  const torch::Tensor ours = net.generate(z, y);
  const torch::Tensor theirs = m.forward(in).toTensor();
  if (theirs.sizes() != ours.sizes()) return INFINITY;
  return (theirs - ours).abs().max().item<double>();
}

}  // namespace

std::vector<std::string> class_names(const std::string& run_dir) {
  std::ifstream in((std::filesystem::path(run_dir) / "data.json").string());
  if (!in) return {};
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("classes") || !j["classes"].is_array()) return {};
  std::vector<std::string> names;
  for (const auto& c : j["classes"])
    if (c.is_string()) names.push_back(c.get<std::string>());
  return names.size() == j["classes"].size() ? names : std::vector<std::string>();
}

std::string export_metadata(const GeneratorSnapshot& g, const std::vector<std::string>& class_names) {
  nlohmann::json j;
  j["format"] = "ganforge-generator";
  j["version"] = 1;
  if (g.model.arch == "pix2pix") {
    j["input_channels"] = g.model.input_channels;
    j["input"] = "images [N, input_channels, H, W] in [-1, 1], the run's inputs (edge maps: strokes -1 on paper "
                 "1; `ganforge translate` makes them from drawings)";
  } else {
    j["z_dim"] = g.model.z_dim;
    j["noise"] = g.model.noise == "uniform" ? "z ~ U(-1, 1)" : "z ~ N(0, 1)";
  }
  j["classes"] = g.model.conditional.empty() ? 0 : g.model.classes;
  if (!class_names.empty()) j["class_names"] = class_names;
  j["image_shape"] = g.image_shape;
  if (g.image_shape.size() == 3) {
    j["channels"] = g.image_shape[0];
    j["resolution"] = g.image_shape[1];
    j["output"] = "images [N, C, H, W] in [-1, 1]; pixel = round((x + 1) * 127.5), clamped to [0, 255]";
  } else {
    j["output"] = "2D points [N, 2]";
  }
  j["ema"] = g.ema();
  j["step"] = g.step;
  j["checkpoint"] = g.checkpoint;
  j["dataset"] = g.data.dataset;
  j["arch"] = g.model.arch;
  j["conditional"] = g.model.conditional;
  return j.dump(2);
}

namespace {

void refuse_translators(const GeneratorSnapshot& g) {
  if (g.model.arch == "pix2pix")
    throw UserError("export: an image-to-image generator (model.arch = pix2pix) has no torch.nn.Sequential form; "
                    "export it with --format torchscript");
}

}  // namespace

ExportResult export_torchscript(GeneratorSnapshot& g, const std::string& out, const std::string& metadata) {
  torch::jit::Module m("ganforge.Generator");
  Writer w(m);
  const std::string source = forward_source(g, w);
  m.register_attribute("z_dim", c10::IntType::get(), g.model.z_dim);
  m.register_attribute("classes", c10::IntType::get(), g.sampler()->classes());
  m.register_attribute("channels", c10::IntType::get(), g.image_shape.size() == 3 ? g.image_shape[0] : 0);
  m.register_attribute("resolution", c10::IntType::get(), g.image_shape.size() == 3 ? g.image_shape[1] : 0);
  m.register_attribute("noise", c10::StringType::get(), g.model.noise);
  m.register_attribute("input_channels", c10::IntType::get(), g.model.arch == "pix2pix" ? g.model.input_channels : 0);
  m.define(source);
  m.eval();
  std::ostringstream bytes;
  m.save(bytes, {{"ganforge.json", metadata}});
  const std::string s = bytes.str();
  fs::write_file_atomic(out, std::vector<uint8_t>(s.begin(), s.end()));
  // What a user will load, checked against the generator before anyone relies on it.
  torch::jit::Module back = torch::jit::load(out);
  ExportResult r{metadata, check(g, back), 16};
  if (!(r.max_diff <= 1e-4)) {
    std::remove(out.c_str());
    throw std::runtime_error("export: the TorchScript module differs from the generator by " +
                             std::to_string(r.max_diff) + " (a bug: please report it); nothing written");
  }
  return r;
}

void export_state_dict(GeneratorSnapshot& g, const std::string& out) {
  refuse_translators(g);
  c10::Dict<std::string, at::Tensor> dict;
  const torch::nn::Sequential seq = network(*g.sampler());
  for (const auto& p : seq->named_parameters()) dict.insert(p.key(), p.value().detach().clone());
  for (const auto& b : seq->named_buffers()) dict.insert(b.key(), b.value().detach().clone());
  const std::vector<char> bytes = torch::pickle_save(dict);
  fs::write_file_atomic(out, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace ganforge::run
