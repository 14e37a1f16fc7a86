#include "ganforge/core/config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

#include "ganforge/core/registry.h"
#include "ganforge/core/error.h"

namespace ganforge {
namespace {

using Member = std::variant<int64_t*, double*, std::string*, std::vector<int64_t>*, bool*>;
using Bind = Member (*)(Config&);

// KEY(loss, type): the key "loss.type" bound to cfg.loss.type; the TOML key is the member's path.
#define KEY(section, name) #section "." #name, [](Config& c) -> Member { return &c.section.name; }

struct Field {
  const char* key;  // "section.name"
  Bind bind;        // the member of a Config that holds it
  const char* help;
  double min = -INFINITY;  // numbers (and every element of an int list)
  double max = INFINITY;
  std::vector<std::string> choices = {};  // strings; empty: any
  bool min_exclusive = false;
};

// train.eval_best: "" (none) or a key of a metric that yields a number (cas is not measured during training).
std::vector<std::string> best_choices() {
  std::vector<std::string> out = {""};
  for (const auto& m : registry::metrics())
    if (m.scalar && m.during_training) out.insert(out.end(), m.keys.begin(), m.keys.end());
  return out;
}

std::vector<Field> data_fields() {
  return {
      {KEY(data, dataset),
       "training data by name: IDX image sets, Stacked MNIST (3 digits as RGB, 1,000 modes, made from MNIST), or "
       "the 2D Gaussian mixtures ring8 and grid25 (generated)",
       -INFINITY, INFINITY, registry::dataset_names()},
      {KEY(data, dir),
       "folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]; empty: data/<dataset>. For "
       "data.dataset = images: a folder of PNG/JPEG files (class sub-folders or none) or a `ganforge data prepare` pack"},
      {KEY(data, batch_size), "real (and fake) images per step", 1, 1 << 20},
      {KEY(data, resolution), "side of the square images trained on (e.g. 28, 32, 64); 0: as the data is", 0, 1024},
      {KEY(data, channels), "1 (grey) or 3 (RGB): every image is converted to it; 0: as the data is", 0, 3},
      {KEY(data, fit), "how a non-square image becomes square: crop (centre) or pad (black)", -INFINITY, INFINITY,
       {"crop", "pad"}},
      {KEY(data, resize), "resize filter: bilinear (antialiased) or area (mean over each pixel's window)", -INFINITY,
       INFINITY, {"bilinear", "area"}},
      {KEY(data, skip_bad), "images: skip unreadable or stray files and empty classes with a warning (else exit 2)"},
      {KEY(data, pairs),
       "image-to-image data: edges pairs each image with its Canny edge map as G's input (as `ganforge data edges`); "
       "\"\": none (a paired pack is paired already)",
       -INFINITY, INFINITY, {"", "edges"}},
  };
}

std::vector<Field> model_fields() {
  return {
      {KEY(model, arch),
       "architecture: mlp (fully connected, Goodfellow et al. 2014), dcgan (Radford et al. 2016; 28x28, 32x32 "
       "and 64x64 images) or pix2pix (image-to-image, Isola et al. 2017; paired data)",
       -INFINITY, INFINITY, registry::arch_names()},
      {KEY(model, z_dim), "noise dimensions", 1, 1 << 16},
      {KEY(model, noise), "noise distribution: N(0,1) or U(-1,1)", -INFINITY, INFINITY,
       {"normal", "uniform"}},
      {KEY(model, g_hidden), "generator hidden layer widths, input side first", 1, 1 << 16},
      {KEY(model, d_hidden), "discriminator hidden layer widths, input side first", 1,
       1 << 16},
      {KEY(model, g_activation), "generator hidden activation", -INFINITY, INFINITY,
       {"relu", "leaky_relu", "elu", "tanh"}},
      {KEY(model, d_activation),
       "discriminator hidden activation (mlp); maxout: each hidden layer a Linear to width x maxout_pieces "
       "outputs, each unit the largest of its pieces (LinearMaxout, the PacGAN/VEEGAN 2D discriminator)",
       -INFINITY, INFINITY, {"relu", "leaky_relu", "elu", "tanh", "maxout"}},
      {KEY(model, maxout_pieces), "d_activation = maxout: pieces per unit (Goodfellow et al. 2013)", 2, 64},
      {KEY(model, d_minibatch_std),
       "minibatch standard deviation layer before D's last layer (Karras et al. 2018): group size (4 in the "
       "paper), the features' mean std over each group joins D's input to that layer; 0: off",
       0, 1024},
      {KEY(model, leaky_slope), "negative slope of leaky_relu", 0, 1},
      {KEY(model, g_output),
       "G's output activation: tanh (images in [-1, 1]) or linear (2D points)", -INFINITY, INFINITY,
       {"tanh", "linear"}},
      {KEY(model, pack),
       "PacGAN: D judges this many samples at once, concatenated (Lin et al. 2018; 1: off); divides the batch", 1,
       64},
      {KEY(model, conditional),
       "class-conditional G and D: concat (one-hot label joins G's z and D's input; Mirza & Osindero 2014), "
       "projection (Miyato & Koyama 2018), acgan (auxiliary classifier in D; Odena et al. 2017); \"\": off",
       -INFINITY, INFINITY, {"", "concat", "projection", "acgan"}},
      {KEY(model, classes), "conditional: number of classes in the data's labels", 2, 100000},
      {KEY(model, g_batchnorm), "batch normalization after each G hidden layer"},
      {KEY(model, d_dropout), "dropout probability after each D hidden layer (0: none)", 0, 0.95},
      {KEY(model, d_batchnorm),
       "batch normalization after each D hidden layer but the first (DCGAN; not with gp_weight or r1_gamma)"},
      {KEY(model, d_spectral_norm),
       "spectral normalization of every D weight, one power iteration per step (Miyato et al. 2018)"},
      {KEY(model, g_channels), "dcgan: G's channels before its output layer (doubling towards z)",
       1, 4096},
      {KEY(model, d_channels), "dcgan: D's channels after its first layer (doubling with depth)",
       1, 4096},
      {KEY(model, init),
       "weight init: torch (PyTorch defaults), glorot (Glorot-uniform weights, zero biases; Keras/TF) or dcgan "
       "(N(0, 0.02) weights, BatchNorm scales N(1, 0.02), zero biases; Radford et al. 2016)",
       -INFINITY, INFINITY, {"torch", "glorot", "dcgan"}},
      {KEY(model, input_channels), "pix2pix: channels of the input image G translates (edge maps: 1)", 1, 3},
      {KEY(model, norm), "pix2pix: normalization in G and D, batch or instance (Isola et al. 2017)", -INFINITY,
       INFINITY, {"batch", "instance"}},
      {KEY(model, g_dropout), "pix2pix: dropout in the U-Net decoder's first three layers, G's noise (0: none)", 0,
       0.95},
      {KEY(model, d_layers), "pix2pix: PatchGAN depth, 1, 2 or 3 (16, 34, 70-pixel patches)", 1, 3},
  };
}

std::vector<Field> loss_fields() {
  return {
      {KEY(loss, type),
       "adversarial loss: gan (Goodfellow et al. 2014), lsgan (Mao et al. 2017), wgan (Arjovsky et al. 2017; "
       "with weight_clip or gp_weight) or hinge (Lim & Ye 2017)",
       -INFINITY, INFINITY, registry::loss_names()},
      {KEY(loss, g_loss),
       "type gan: generator loss non_saturating (-log D(G(z))) or minimax (log(1 - D(G(z))))", -INFINITY,
       INFINITY, {"non_saturating", "minimax"}},
      {KEY(loss, label_smoothing),
       "type gan: one-sided label smoothing, D's target for real data is 1 - s (Salimans et al. 2016)", 0, 0.5},
      {KEY(loss, gp_weight),
       "gradient penalty weight lambda, 10 in WGAN-GP (Gulrajani et al. 2017; 0: off)", 0, 1e6},
      {KEY(loss, r1_gamma), "R1 penalty weight gamma on real data (Mescheder et al. 2018; 0: off)",
       0, 1e6},
      {KEY(loss, r1_every),
       "lazy R1: apply it every N discriminator updates, weighted x N (Karras et al. 2020)", 1, 1e6},
      {KEY(loss, weight_clip),
       "clip D's weights to [-c, c] after each D update, 0.01 in WGAN (Arjovsky et al. 2017; 0: off)", 0, 1e3},
      {KEY(loss, ac_weight),
       "ACGAN: weight of the class cross-entropy added to D's and G's losses (Odena et al. 2017)", 0, 1e3},
      {KEY(loss, l1_weight),
       "pix2pix: weight lambda of the L1 distance to the target in G's loss (100 in Isola et al. 2017; 0: off)", 0,
       1e6},
      {KEY(loss, gan_weight),
       "pix2pix: weight of the adversarial term in G's loss (1; 0: the L1-only baseline of Isola et al. 2017, "
       "D still trains and is watched but G ignores it)", 0, 1e6},
  };
}

std::vector<Field> optim_fields() {
  return {
      {KEY(optim, lr_g), "generator Adam learning rate", 0, 10, {}, true},
      {KEY(optim, lr_d), "discriminator Adam learning rate", 0, 10, {}, true},
      {KEY(optim, beta1), "Adam beta1 (G; D too unless beta1_d is set)", 0, 1, {}, false},
      {KEY(optim, beta2), "Adam beta2 (G; D too unless beta2_d is set)", 0, 1, {}, false},
      {KEY(optim, beta1_d), "D's own Adam beta1 (TTUR; -1: same as beta1)", -1, 1, {}, false},
      {KEY(optim, beta2_d), "D's own Adam beta2 (-1: same as beta2)", -1, 1, {}, false},
      {KEY(optim, eps), "Adam epsilon (PyTorch/TF 1e-8, Keras 1e-7)", 0, 1, {}, true},
  };
}

std::vector<Field> train_fields() {
  return {
      {KEY(train, steps), "budget in generator steps (0: use train.epochs)", 0, 1e12},
      {KEY(train, epochs), "budget in epochs of real data seen by D (0: use train.steps)", 0,
       1e6},
      {KEY(train, d_steps), "k: discriminator updates per generator update", 1, 1000},
      {KEY(train, seed), "seed for weights, noise and data order", 0, 9.0e15},
      {KEY(train, log_every), "steps between metrics.jsonl lines", 1, 1e12},
      {KEY(train, sample_every), "steps between sample grids (0: only at the end)", 0,
       1e12},
      {KEY(train, checkpoint_every),
       "steps between checkpoints (0: only at the end)", 0, 1e12},
      {KEY(train, keep_checkpoints), "how many recent checkpoints to keep", 1, 1e6},
      {KEY(train, diffaugment),
       "DiffAugment policy applied to every image D sees, real and generated (Zhao et al. 2020): a comma list "
       "of color, translation, cutout (empty: off)"},
      {KEY(train, ema_half_life_kimg),
       "exponential moving average of G's weights, used for samples and grids: its half-life in thousands "
       "of generated images (Karras et al. 2018; 0: off)",
       0, 1e6},
      {KEY(train, sample_grid), "fixed-z samples per grid", 1, 1024},
      {KEY(train, eval_every),
       "steps between evaluations during training, logged in metrics.jsonl as {\"event\": \"eval\"} lines "
       "(image data; 0: off)",
       0, 1e12},
      {KEY(train, eval_metrics),
       "metrics of each periodic evaluation: a comma list of fid, kid, is, pr, dc, classes (pix2pix: always l1, "
       "ssim, fid and label accuracy of its test pairs)"},
      {KEY(train, eval_n), "generated images per periodic evaluation (pix2pix: test pairs translated)", 10, 1e7},
      {KEY(train, eval_best),
       "keep checkpoints/best.pt, the checkpoint with the best value of this metric so far (\"\": none)",
       -INFINITY, INFINITY, best_choices()},
      {KEY(train, nonfinite_patience),
       "divergence guard: consecutive steps with a NaN/Inf loss or gradient (each skipped) before rolling back "
       "to the last checkpoint",
       1, 1e9},
      {KEY(train, rollback_lr_factor),
       "divergence guard: both learning rates are multiplied by this at each rollback", 0, 1, {}, true},
      {KEY(train, health_window),
       "warn when D's accuracy stays >= 0.99 for this many steps (0: off)", 0, 1e12},
      {KEY(train, threads), "intra-op threads (0: one per core)", 0, 1024},
      {KEY(train, deterministic),
       "one thread and deterministic algorithms, so a run (and a killed and resumed run) repeats bitwise"},
      {KEY(train, device), "cpu, or cuda with a CUDA build of LibTorch", -INFINITY, INFINITY,
       {"cpu", "cuda"}},
      {KEY(train, precision),
       "fp32, or bf16: matrix products and convolutions in bf16 (LibTorch's CPU autocast, oneDNN), weights, "
       "Adam and losses in fp32; needs a CPU with AVX512-BF16 (`ganforge info` says)",
       -INFINITY, INFINITY, {"fp32", "bf16"}},
  };
}

// Every key, declared once: section by section, in the order of `--list-keys` and config.toml.
const std::vector<Field>& schema() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> all = {
      {"name", [](Config& c) -> Member { return &c.name; }, "experiment name (default: the config file's stem)"},
    };
    for (auto section : {data_fields, model_fields, loss_fields, optim_fields, train_fields}) {
      auto more = section();
      all.insert(all.end(), more.begin(), more.end());
    }
    return all;
  }();
  return fields;
}

const Field* find_field(const std::string& key) {
  for (const auto& f : schema())
    if (key == f.key) return &f;
  return nullptr;
}

[[noreturn]] void unknown_key(const std::string& origin, const std::string& key) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& f : schema()) {
    size_t d = edit_distance(key, f.key);
    // Also compare the last component alone, so "train.stesp" and "steps" both find train.steps.
    const std::string tail = std::string(f.key).substr(std::string(f.key).rfind('.') + 1);
    d = std::min(d, edit_distance(key, tail) + 1);
    if (d < best_d) best_d = d, best = f.key;
    // And the section, so "[optimiser]" finds [optim].
    const std::string section = std::string(f.key).substr(0, std::string(f.key).find('.'));
    if (section != f.key && key.find('.') == std::string::npos) {  // a section name was misspelt
      size_t ds = edit_distance(key, section);
      if (key.rfind(section, 0) == 0 || section.rfind(key, 0) == 0) ds = std::min<size_t>(ds, 1);  // optimiser
      if (ds < best_d) best_d = ds, best = section;
    }
  }
  std::string msg = origin + ": unknown key '" + key + "'";
  if (best_d <= 3) msg += " (did you mean '" + best + "'?)";
  msg += "; `ganforge train --list-keys` lists all keys";
  throw UserError(msg);
}

std::string where(const std::string& origin, const toml::node& node) {
  const auto& src = node.source();
  if (src.begin.line == 0) return origin;
  return origin + ":" + std::to_string(src.begin.line);
}

// A number in a message: integral values as integers (1048576, not 1.04858e+06).
std::string fmt_num(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  std::ostringstream os;
  os << v;
  return os.str();
}

// NaN and infinities fail every comparison or the upper bound, so they are out of range too. `text` is the
// value as written (an integer keeps all its digits).
void check_range(const Field& f, double v, const std::string& at, const std::string& text = "") {
  const bool low = f.min_exclusive ? !(v > f.min) : !(v >= f.min);
  if (low || !(v <= f.max) || std::isnan(v))
    throw UserError(at + ": " + f.key + " = " + (text.empty() ? fmt_num(v) : text) + " is out of range: must be " +
                    (f.min_exclusive ? "> " : ">= ") + fmt_num(f.min) + " and <= " + fmt_num(f.max));
}

void set_field(Config& cfg, const Field& f, const toml::node& node, const std::string& at) {
  const std::string key = f.key;
  const Member m = f.bind(cfg);
  if (auto p = std::get_if<int64_t*>(&m)) {
    auto v = node.value_exact<int64_t>();
    if (!v) {
      // Accept a float only when it is integral, like 1e4.
      auto d = node.value_exact<double>();
      if (d && std::floor(*d) == *d && std::fabs(*d) < 9.0e15) v = static_cast<int64_t>(*d);
    }
    if (!v) throw UserError(at + ": " + key + " must be an integer");
    check_range(f, static_cast<double>(*v), at, std::to_string(*v));
    **p = *v;
  } else if (auto p = std::get_if<double*>(&m)) {
    auto v = node.value<double>();  // integers convert
    if (!v || node.is_boolean()) throw UserError(at + ": " + key + " must be a number");
    check_range(f, *v, at);
    **p = *v;
  } else if (auto p = std::get_if<std::string*>(&m)) {
    auto v = node.value_exact<std::string>();
    if (!v) throw UserError(at + ": " + key + " must be a string");
    if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), *v) == f.choices.end()) {
      std::string list;
      for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
      throw UserError(at + ": " + key + " = '" + *v + "' is not allowed; choose one of: " + list);
    }
    **p = *v;
  } else if (auto p = std::get_if<bool*>(&m)) {
    auto v = node.value_exact<bool>();
    if (!v) throw UserError(at + ": " + key + " must be true or false");
    **p = *v;
  } else if (auto p = std::get_if<std::vector<int64_t>*>(&m)) {
    const toml::array* arr = node.as_array();
    if (!arr) throw UserError(at + ": " + key + " must be an array of integers, e.g. [256, 256]");
    std::vector<int64_t> out;
    for (const auto& el : *arr) {
      auto v = el.value_exact<int64_t>();
      if (!v) throw UserError(at + ": " + key + " must be an array of integers, e.g. [256, 256]");
      check_range(f, static_cast<double>(*v), at, std::to_string(*v));
      out.push_back(*v);
    }
    **p = out;
  }
}

void apply_table(Config& cfg, const toml::table& tbl, const std::string& prefix, const std::string& origin) {
  for (auto&& [k, v] : tbl) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) {
      bool is_section = false;
      for (const auto& f : schema())
        if (std::string(f.key).rfind(key + ".", 0) == 0) is_section = true;
      if (!is_section) unknown_key(origin, key);
      apply_table(cfg, *sub, key, origin);
      continue;
    }
    const Field* f = find_field(key);
    if (!f) unknown_key(where(origin, v), key);
    set_field(cfg, *f, v, where(origin, v));
  }
}

toml::table parse_toml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw UserError(origin + ":" + std::to_string(e.source().begin.line) + ": TOML syntax error: " +
                    std::string(e.description()));
  }
}

}  // namespace

std::vector<std::string> diffaugment_ops(const std::string& policy) {
  std::vector<std::string> ops;
  if (policy.empty()) return ops;
  std::stringstream ss(policy);
  for (std::string op; std::getline(ss, op, ',');) {
    op.erase(0, op.find_first_not_of(' '));
    op.erase(op.find_last_not_of(' ') + 1);
    if (op != "color" && op != "translation" && op != "cutout")
      throw UserError("config: train.diffaugment: unknown op '" + op + "'; known: color, translation, cutout");
    ops.push_back(op);
  }
  return ops;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Config parse_config(const std::string& text, const std::string& origin, Config base) {
  apply_table(base, parse_toml(text, origin), "", origin);
  validate(base);
  return base;
}

namespace {

// The file's table applied on top of its `base` (a path relative to the file; bases may have bases), without
// validation: a base may be incomplete on its own. `chain` holds the files above this one, for cycles.
void apply_file(Config& cfg, const std::string& path, std::vector<std::filesystem::path>& chain) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw UserError(path + ": is a directory, not a config file");
  if (!fs::is_regular_file(path, ec)) throw UserError(path + ": config file not found");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) throw UserError(path + ": cannot read config file");
  const fs::path canonical = fs::weakly_canonical(path, ec);
  for (const auto& p : chain)
    if (p == canonical) throw UserError(path + ": config bases form a cycle (this file is its own base)");
  if (chain.size() >= 16) throw UserError(path + ": config bases nest over 16 deep");
  toml::table tbl = parse_toml(ss.str(), path);
  if (const toml::node* b = tbl.get("base")) {
    const auto name = b->value<std::string>();
    if (!name || name->empty())
      throw UserError(where(path, *b) + ": base must be the path of another config file (a string)");
    const fs::path base_path = fs::path(*name).is_absolute() ? fs::path(*name) : fs::path(path).parent_path() / *name;
    chain.push_back(canonical);
    apply_file(cfg, base_path.string(), chain);
    chain.pop_back();
    tbl.erase("base");
  }
  if (!chain.empty()) tbl.erase("name");  // a base's name does not name the run
  apply_table(cfg, tbl, "", path);
}

}  // namespace

Config load_config(const std::string& path) {
  Config cfg;
  cfg.name = std::filesystem::path(path).stem().string();  // unless the file has a `name`
  std::vector<std::filesystem::path> chain;
  apply_file(cfg, path, chain);
  validate(cfg);
  return cfg;
}

void apply_override(Config& cfg, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set '" + assignment + "': expected section.key=value, e.g. train.steps=1000");
  std::string key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  key.erase(key.find_last_not_of(" \t") + 1);
  const std::string origin = "--set " + key;
  const Field* f = find_field(key);
  if (!f) unknown_key("--set", key);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    // Not a TOML value: take it as a bare string, so --set data.dataset=fashion-mnist works unquoted.
    parsed = toml::table{{"v", value}};
  }
  const toml::node* node = parsed.get("v");
  if (std::holds_alternative<std::string*>(f->bind(cfg)) && !node->is_string())
    parsed = toml::table{{"v", value}}, node = parsed.get("v");
  set_field(cfg, *f, *node, origin);
}

namespace {

void validate_data(const Config& cfg) {
  const DataConfig& d = cfg.data;
  if (d.channels == 2) throw UserError("config: data.channels = 2: use 1 (grey), 3 (RGB) or 0 (as the data is)");
  if (d.resolution > 0 && d.resolution < 4)
    throw UserError("config: data.resolution = " + std::to_string(d.resolution) + " is too small (at least 4; 0: as the data is)");
  const bool points = registry::dataset(d.dataset).kind == registry::DataKind::kPoints;
  if (points && !d.pairs.empty())
    throw UserError("config: data.pairs is for images; '" + d.dataset + "' is 2D points");
  if (points && (d.resolution > 0 || d.channels > 0))
    throw UserError("config: data.resolution and data.channels are for images; '" + d.dataset + "' is 2D points");
  if (d.dataset == "images" && d.dir.empty())
    throw UserError("config: data.dataset = images needs data.dir (or --data): a folder of PNG/JPEG images or a pack "
                    "from `ganforge data prepare`");
  const bool translator = cfg.model.arch == "pix2pix";  // measured on its test pairs (eval/translation.h)
  if (!translator && d.dataset != "images" && (d.resolution > 0 || d.channels > 0) && cfg.train.eval_every > 0)
    throw UserError("config: train.eval_every with data.resolution or data.channels set: the built-in evaluators "
                    "measure '" + d.dataset + "' as it is; evaluate afterwards or leave both at 0");
  if (!translator && d.dataset == "images" && cfg.train.eval_every > 0)
    throw UserError("config: train.eval_every: periodic evaluation needs a built-in evaluator and data.dataset = images "
                    "has none; evaluate samples with `ganforge eval --samples ... --features MODEL.pt`");
}

}  // namespace

void validate(const Config& cfg) {
  if (cfg.train.steps == 0 && cfg.train.epochs == 0)
    throw UserError("config: no budget: set train.steps or train.epochs to a positive value");
  if (cfg.train.steps > 0 && cfg.train.epochs > 0)
    throw UserError("config: both train.steps (" + std::to_string(cfg.train.steps) + ") and train.epochs (" +
                    fmt_num(cfg.train.epochs) + ") are set: set one, the other to 0");
  if (cfg.model.arch == "mlp" && (cfg.model.g_hidden.empty() || cfg.model.d_hidden.empty()))
    throw UserError("config: model.g_hidden and model.d_hidden need at least one layer");
  for (auto [key, v] : {std::pair{"optim.beta1_d", cfg.optim.beta1_d}, std::pair{"optim.beta2_d", cfg.optim.beta2_d}})
    if (v < 0 && v != -1)
      throw UserError(std::string("config: ") + key + " = " + fmt_num(v) +
                      " is out of range: must be in [0, 1], or -1 for G's value");
  validate_data(cfg);
  if (cfg.data.batch_size % cfg.model.pack != 0)
    throw UserError("config: data.batch_size (" + std::to_string(cfg.data.batch_size) + ") must be a multiple of model.pack (" +
                    std::to_string(cfg.model.pack) + ")");
  if (!cfg.model.conditional.empty()) {
    if (cfg.model.pack > 1)
      throw UserError("config: model.conditional cannot be combined with model.pack: a pack mixes classes");
    if (cfg.loss.gp_weight > 0)
      throw UserError("config: model.conditional cannot be combined with loss.gp_weight: an interpolate of a "
                      "real and a fake of different classes has no label; use loss.r1_gamma");
  }
  if (cfg.train.eval_every > 0) {
    std::vector<std::string> periodic;
    for (const auto& e : registry::metrics())
      if (e.during_training) periodic.push_back(e.name);
    std::stringstream names(cfg.train.eval_metrics);
    for (std::string m; std::getline(names, m, ',');)
      if (std::find(periodic.begin(), periodic.end(), m) == periodic.end())
        throw UserError("config: train.eval_metrics: unknown metric '" + m + "' (" + registry::joined(periodic) + ")");
    if (registry::dataset(cfg.data.dataset).kind == registry::DataKind::kPoints)
      throw UserError("config: train.eval_every is for image data; evaluate a 2D run with 'ganforge eval'");
    const std::string m = "," + cfg.train.eval_metrics + ",";
    const std::string& b = cfg.train.eval_best;
    const std::string needs = b.empty() ? b : registry::metric_of_key(b)->name;
    if (!b.empty() && m.find("," + needs + ",") == std::string::npos)
      throw UserError("config: train.eval_best = '" + b + "' needs '" + needs + "' in train.eval_metrics ('" +
                      cfg.train.eval_metrics + "')");
  }
  if (cfg.model.d_activation == "maxout" && cfg.model.arch != "mlp")
    throw UserError("config: model.d_activation = 'maxout' is for model.arch = 'mlp' ('" + cfg.model.arch +
                    "' uses its own activations)");
  if (cfg.model.d_minibatch_std == 1)
    throw UserError("config: model.d_minibatch_std = 1 gives groups of one sample, whose deviation is 0: use 2 or "
                    "more (4 in Karras et al. 2018), or 0 for off");
  if (cfg.model.arch == "pix2pix") {
    if (cfg.model.d_minibatch_std > 0)
      throw UserError("config: model.d_minibatch_std is for the mlp and dcgan discriminators, not pix2pix's PatchGAN");
    if (!cfg.model.conditional.empty() || cfg.model.pack > 1)
      throw UserError("config: model.arch = 'pix2pix' is conditioned on its input image: model.conditional and "
                      "model.pack do not apply");
    if (cfg.data.pairs.empty() && cfg.data.dataset != "images")
      throw UserError("config: model.arch = 'pix2pix' translates input images into images: set data.pairs = "
                      "'edges' (each image's edge map as its input), or train on a paired pack from "
                      "`ganforge data edges`");
    const int64_t r = cfg.data.resolution;
    if (cfg.data.dataset != "images" && r != 32 && r != 64 && r != 128 && r != 256)
      throw UserError("config: model.arch = 'pix2pix' takes square images of 32, 64, 128 or 256 pixels: set "
                      "data.resolution (" + std::to_string(r) + " now; 0 keeps '" + cfg.data.dataset + "' as it is)");
    if (cfg.loss.gp_weight > 0 || cfg.loss.r1_gamma > 0 || !diffaugment_ops(cfg.train.diffaugment).empty())
      throw UserError("config: model.arch = 'pix2pix' takes no loss.gp_weight, loss.r1_gamma or train.diffaugment "
                      "(not built for (input, image) pairs)");
    if (cfg.loss.gan_weight == 0 && cfg.loss.l1_weight == 0)
      throw UserError("config: loss.gan_weight = 0 and loss.l1_weight = 0 leave G nothing to learn from");
  } else if (cfg.loss.l1_weight > 0) {
    throw UserError("config: loss.l1_weight needs model.arch = 'pix2pix' (an L1 distance needs a target per output)");
  } else if (cfg.loss.gan_weight != 1) {
    throw UserError("config: loss.gan_weight needs model.arch = 'pix2pix' (it weighs the adversarial term against "
                    "loss.l1_weight)");
  }
  if (!diffaugment_ops(cfg.train.diffaugment).empty()) {
    if (registry::dataset(cfg.data.dataset).kind == registry::DataKind::kPoints)
      throw UserError("config: train.diffaugment is for images; the 2D dataset '" + cfg.data.dataset + "' has none");
  }
  if (cfg.model.d_batchnorm && (cfg.loss.gp_weight > 0 || cfg.loss.r1_gamma > 0))
    throw UserError(
        "config: model.d_batchnorm cannot be combined with loss.gp_weight or loss.r1_gamma: the penalties need "
        "each sample's D output to depend on that sample only (Gulrajani et al. 2017, sec. 4); use "
        "model.d_spectral_norm or no normalization in D");
  if (cfg.loss.type != "gan" && cfg.loss.label_smoothing > 0)
    throw UserError("config: loss.label_smoothing applies to loss.type = 'gan' only, not '" + cfg.loss.type + "'");
  if (cfg.loss.type == "wgan" && cfg.loss.weight_clip == 0 && cfg.loss.gp_weight == 0)
    throw UserError(
        "config: loss.type = 'wgan' needs a Lipschitz constraint: set loss.weight_clip (0.01, WGAN) or "
        "loss.gp_weight (10, WGAN-GP)");
  if (cfg.train.precision == "bf16" && cfg.train.device != "cpu")
    throw UserError("config: train.precision = 'bf16' is built for the CPU (train.device = '" + cfg.train.device +
                    "'): use fp32");
  if (cfg.name.empty() || cfg.name.find('/') != std::string::npos)
    throw UserError("config: name '" + cfg.name + "' must be non-empty and contain no '/'");
  // Memory sanity: one layer's activations for a batch must fit in a few GiB.
  auto widest_of = [](const std::vector<int64_t>& v) {
    return v.empty() ? int64_t{0} : *std::max_element(v.begin(), v.end());
  };
  double widest = static_cast<double>(std::max({cfg.model.z_dim, widest_of(cfg.model.g_hidden), widest_of(cfg.model.d_hidden)}));
  // dcgan: the widest activation is c channels at half the image side, up to 32 x 32 (64 x 64 images).
  if (cfg.model.arch == "dcgan") widest = static_cast<double>(std::max(cfg.model.g_channels, cfg.model.d_channels)) * 32 * 32;
  // pix2pix: c channels at half the side (256 when the data decides).
  const double half = static_cast<double>(cfg.data.resolution > 0 ? cfg.data.resolution : 256) / 2;
  if (cfg.model.arch == "pix2pix") widest = static_cast<double>(std::max(cfg.model.g_channels, cfg.model.d_channels)) * half * half;
  if (widest * static_cast<double>(cfg.data.batch_size) * 4 > 4.0e9)
    throw UserError("config: data.batch_size x widest layer (" + fmt_num(widest) +
                    ") needs over 4 GB per activation: reduce the batch or the widths");
}

std::string to_toml(const Config& cfg) {
  Config copy = cfg;  // bind() hands out mutable members; this only reads them
  toml::table root;
  for (const auto& f : schema()) {
    const std::string key = f.key;
    const auto dot = key.find('.');
    toml::table* tbl = &root;
    std::string leaf = key;
    if (dot != std::string::npos) {
      const std::string section = key.substr(0, dot);
      leaf = key.substr(dot + 1);
      if (!root.contains(section)) root.insert(section, toml::table{});
      tbl = root.get(section)->as_table();
    }
    std::visit(
        [&](auto member) {
          using T = std::decay_t<decltype(*member)>;
          if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            toml::array arr;
            for (int64_t v : *member) arr.push_back(v);
            tbl->insert(leaf, arr);
          } else {
            tbl->insert(leaf, *member);
          }
        },
        f.bind(copy));
  }
  std::ostringstream os;
  os << "# ganforge resolved config: every key, defaults included\n" << root << "\n";
  return os.str();
}

std::string describe_keys() {
  std::ostringstream os;
  Config defaults;
  for (const auto& f : schema()) {
    const Member m = f.bind(defaults);
    std::string type;
    if (std::holds_alternative<int64_t*>(m)) type = "integer";
    if (std::holds_alternative<double*>(m)) type = "number";
    if (std::holds_alternative<std::string*>(m)) type = "string";
    if (std::holds_alternative<std::vector<int64_t>*>(m)) type = "integer array";
    if (std::holds_alternative<bool*>(m)) type = "boolean";
    os << "  " << f.key << " (" << type << ")";
    if (!f.choices.empty()) {
      os << " {";
      for (size_t i = 0; i < f.choices.size(); ++i) os << (i ? "|" : "") << f.choices[i];
      os << "}";
    }
    os << "\n      " << f.help << "\n";
  }
  return os.str();
}

}  // namespace ganforge
