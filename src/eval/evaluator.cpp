// The evaluator CNN: training, its file format, loading, and batched feature extraction (evaluator.h).
// File: a LibTorch archive with
//   format "ganforge-evaluator-1", dataset, channels, classes, test_accuracy, test_count, seed, steps, net.
#include "ganforge/eval/evaluator.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "ganforge/io/archive.h"
#include "ganforge/data/dataset.h"
#include "ganforge/core/registry.h"
#include "ganforge/core/error.h"
#include "ganforge/ops/precision.h"
#include "ganforge/io/fs.h"

namespace ganforge::evaluator {

namespace fsys = std::filesystem;
namespace nn = torch::nn;

namespace {

constexpr const char* kFormat = "ganforge-evaluator-1";

void push_conv_block(nn::Sequential& seq, int64_t in, int64_t out) {
  seq->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  seq->push_back(nn::BatchNorm2d(out));
  seq->push_back(nn::ReLU());
}

// Shift each image by up to `max_shift` pixels in each direction, filling with the background value -1
// (black), and mirror it left-right with probability 1/2 if `flip`.
torch::Tensor augment(const torch::Tensor& x, int64_t max_shift, bool flip, at::Generator& gen) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto padded = torch::constant_pad_nd(x, {max_shift, max_shift, max_shift, max_shift}, -1.0);
  const auto offsets = torch::randint(0, 2 * max_shift + 1, {b, 2}, gen, torch::kInt64);
  const auto flips = torch::randint(0, 2, {b}, gen, torch::kInt64);
  auto out = torch::empty_like(x);
  const auto o = offsets.accessor<int64_t, 2>();
  const auto f = flips.accessor<int64_t, 1>();
  for (int64_t i = 0; i < b; ++i) {
    auto img = padded[i].narrow(1, o[i][0], h).narrow(2, o[i][1], w);
    out[i].copy_(flip && f[i] ? img.flip({2}) : img);
  }
  return out;
}

double accuracy(Net& net, const data::Dataset& ds) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t right = 0;
  for (int64_t i = 0; i < ds.size(); i += 500) {
    const int64_t b = std::min<int64_t>(500, ds.size() - i);
    const auto x = data::to_signed_unit(ds.images.narrow(0, i, b));
    right += net->forward(x).argmax(1).eq(ds.labels.narrow(0, i, b)).sum().item<int64_t>();
  }
  return static_cast<double>(right) / static_cast<double>(ds.size());
}

std::string str_value(torch::serialize::InputArchive& ar, const char* key) {
  c10::IValue v;
  ar.read(key, v);
  return v.toStringRef();
}

class Stacked : public Extractor {
 public:
  std::unique_ptr<Extractor> digit;
  Outputs compute(const torch::Tensor& images) override {
    TORCH_CHECK(images.dim() == 4 && images.size(1) == 3, "stacked: needs 3-channel images, got ", images.sizes());
    std::vector<torch::Tensor> feats;
    torch::Tensor probs;
    for (int64_t c = 0; c < 3; ++c) {
      Outputs o = digit->compute(images.narrow(1, c, 1));
      feats.push_back(o.features);
      // modes a, b, c -> 100 a + 10 b + c: the outer product, flattened in that order
      probs = c == 0 ? o.probs : (probs.unsqueeze(2) * o.probs.unsqueeze(1)).flatten(1);
    }
    return {torch::cat(feats, 1), probs};
  }
  bool has_classes() const override { return true; }
};

// The evaluator as extraction runs it (eval mode, weights fixed): each batch norm folded into the
// convolution or linear layer before it (W' = W s, b' = beta - mean s, s = gamma / sqrt(var + eps)), ReLU in
// place. The same function as NetImpl::features to float rounding (features move by ~1e-6 relative), with
// four passes over the activations fewer (speed not yet measured in bench/). Folded on the first batch.
class BuiltIn : public Extractor {
 public:
  Net net{nullptr};
  Outputs compute(const torch::Tensor& images) override {
    TORCH_CHECK(images.dim() == 4 && images.size(2) == 28 && images.size(3) == 28,
                "evaluator: needs images [N, C, 28, 28], got ", images.sizes());
    if (layers_.empty()) fold();
    torch::Tensor x = images;
    for (size_t i = 0; i + 1 < layers_.size(); ++i) {
      x = torch::conv2d(x, layers_[i].weight, layers_[i].bias, 1, 1).relu_();
      if (i + 2 < layers_.size()) x = torch::max_pool2d(x, 2);
    }
    const Layer& last = layers_.back();
    const torch::Tensor f = torch::addmm(last.bias, x.flatten(1), last.weight.t()).relu_();
    return {f, torch::softmax(net->head(f), 1)};
  }
  bool has_classes() const override { return true; }

 private:
  struct Layer {
    torch::Tensor weight, bias;
  };
  std::vector<Layer> layers_;  // three convolutions, then the linear layer

  void fold() {
    torch::NoGradGuard no_grad;
    torch::Tensor w;
    for (const auto& m : net->body->children()) {
      if (auto* c = m->as<torch::nn::Conv2d>()) {
        TORCH_CHECK(!c->bias.defined() && c->weight.size(2) == 3 && c->options.stride()->at(0) == 1,
                    "evaluator: unexpected convolution");
        w = c->weight;
      } else if (auto* l = m->as<torch::nn::Linear>()) {
        w = l->weight;
      } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
        layers_.push_back(folded(w, bn->weight, bn->bias, bn->running_mean, bn->running_var, bn->options.eps()));
      } else if (auto* bn1 = m->as<torch::nn::BatchNorm1d>()) {
        layers_.push_back(folded(w, bn1->weight, bn1->bias, bn1->running_mean, bn1->running_var, bn1->options.eps()));
      }
    }
    TORCH_CHECK(layers_.size() == 4, "evaluator: expected 3 convolutions and a linear layer, each with batch norm");
  }
  static Layer folded(const torch::Tensor& w, const torch::Tensor& gamma, const torch::Tensor& beta,
                      const torch::Tensor& mean, const torch::Tensor& var, double eps) {
    const torch::Tensor s = gamma / torch::sqrt(var + eps);
    std::vector<int64_t> shape(w.dim(), 1);
    shape[0] = -1;
    return {(w * s.view(shape)).contiguous(), (beta - mean * s).contiguous()};
  }
};

}  // namespace

NetImpl::NetImpl(int64_t channels, int64_t classes) {
  nn::Sequential seq;
  push_conv_block(seq, channels, 32);
  seq->push_back(nn::MaxPool2d(2));
  push_conv_block(seq, 32, 64);
  seq->push_back(nn::MaxPool2d(2));
  push_conv_block(seq, 64, 128);
  seq->push_back(nn::Flatten());
  seq->push_back(nn::Linear(nn::LinearOptions(128 * 7 * 7, kFeatures).bias(false)));
  seq->push_back(nn::BatchNorm1d(kFeatures));
  seq->push_back(nn::ReLU());
  body = register_module("body", seq);
  dropout = register_module("dropout", nn::Dropout(0.3));
  head = register_module("head", nn::Linear(kFeatures, classes));
}

torch::Tensor NetImpl::features(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) == 28 && x.size(3) == 28, "evaluator: needs images [N, C, 28, 28], got ",
              x.sizes());
  return body->forward(x);
}

torch::Tensor NetImpl::forward(const torch::Tensor& x) { return head(dropout(features(x))); }

bool has_recipe(const std::string& dataset) { return dataset == "mnist" || dataset == "fashion-mnist"; }

std::string cache_dir() {
  if (const char* dir = std::getenv("GANFORGE_CACHE"); dir && *dir) return dir;
  // The parent of the data folders: $GANFORGE_DATA, or the project's data/ (wherever default_dir finds mnist).
  return (fsys::path(data::default_dir("mnist")).parent_path() / "evaluators").string();
}

std::string default_path(const std::string& dataset) { return (fsys::path(cache_dir()) / (dataset + ".pt")).string(); }

namespace {

// The training recipe itself, on any labelled 28x28 data (the real train split, or generated images for CAS).
Net fit(const data::Dataset& train_set, const data::Dataset& test_set, int64_t classes, const FitOptions& opts,
        FitResult& r) {
  const auto t0 = std::chrono::steady_clock::now();
  if (train_set.images.size(2) != 28 || train_set.images.size(3) != 28)
    throw UserError("evaluator: needs 28x28 images");
  const bool fashion = opts.dataset == "fashion-mnist";
  const int64_t epochs = opts.epochs > 0 ? opts.epochs : (fashion ? 8 : 20);
  torch::manual_seed(opts.seed);  // weights and dropout
  Net net(train_set.images.size(1), classes);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(opts.lr));
  data::BatchSampler sampler(train_set.size(), opts.batch, static_cast<uint64_t>(opts.seed) + 1);
  auto aug_gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(opts.seed) + 2);
  int64_t total = opts.steps > 0 ? opts.steps : epochs * sampler.batches_per_epoch();
  if (opts.max_steps > 0) total = std::min(total, opts.max_steps);
  if (total <= 0) throw UserError("evaluator: the train split is smaller than one batch");

  double loss_sum = 0;
  int64_t loss_n = 0;
  for (int64_t step = 0; step < total; ++step) {
    net->train();
    auto& group = opt.param_groups()[0];
    static_cast<torch::optim::AdamOptions&>(group.options())
        .lr(opts.lr * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total))));
    const auto idx = sampler.next();
    const auto x = augment(train_set.batch(idx), 2, fashion, aug_gen);
    const auto loss = torch::nn::functional::cross_entropy(net->forward(x), train_set.labels.index_select(0, idx));
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_sum += loss.item<double>();
    ++loss_n;
    const bool epoch_end = (step + 1) % sampler.batches_per_epoch() == 0 || step + 1 == total;
    if (epoch_end && opts.console) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(opts.console, "evaluator %s: step %lld/%lld  loss %.4f  %.0f s\n", opts.dataset.c_str(),
                   static_cast<long long>(step + 1), static_cast<long long>(total), loss_sum / loss_n, secs);
      std::fflush(opts.console);
      loss_sum = 0, loss_n = 0;
    }
  }
  r.steps = total;
  r.test_accuracy = accuracy(net, test_set);
  r.test_count = test_set.size();
  return net;
}

}  // namespace

FitResult train_evaluator(const FitOptions& opts_in) {
  FitOptions opts = opts_in;
  // A dataset measured by another's evaluator (Stacked MNIST: the MNIST digit evaluator on each channel).
  for (const auto& e : registry::datasets())
    if (opts.dataset == e.name && opts.dataset != e.evaluator && *e.evaluator) {
      if (opts.console)
        std::fprintf(opts.console, "evaluator: %s is measured with the %s evaluator%s: training that\n", e.name,
                     e.evaluator, e.per_channel ? " on each channel" : "");
      opts.dataset = e.evaluator;
    }
  if (!has_recipe(opts.dataset))
    throw UserError("evaluator: no evaluator for dataset '" + opts.dataset + "' (mnist, fashion-mnist)");
  if (opts.batch <= 0 || opts.lr <= 0 || opts.epochs < 0 || opts.max_steps < 0)
    throw UserError("evaluator: batch and lr must be positive, epochs and max steps not negative");
  const auto t0 = std::chrono::steady_clock::now();
  const data::Dataset train_set = data::load(opts.dataset, opts.data_dir, "train");
  const data::Dataset test_set = data::load(opts.dataset, opts.data_dir, "test");
  const int64_t classes = train_set.labels.max().item<int64_t>() + 1;
  const std::string out = opts.out.empty() ? default_path(opts.dataset) : opts.out;
  FitResult r;
  Net net = fit(train_set, test_set, classes, opts, r);

  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(std::string(kFormat)));
  ar.write("dataset", c10::IValue(opts.dataset));
  ar.write("channels", torch::tensor(train_set.images.size(1)));
  ar.write("classes", torch::tensor(classes));
  ar.write("test_accuracy", torch::tensor(r.test_accuracy, torch::kFloat64));
  ar.write("test_count", torch::tensor(r.test_count));
  ar.write("seed", torch::tensor(opts.seed));
  ar.write("steps", torch::tensor(r.steps));
  torch::serialize::OutputArchive net_ar;
  net->save(net_ar);
  ar.write("net", net_ar);
  const std::vector<uint8_t> bytes = archive_bytes(ar);
  std::error_code ec;
  if (const auto parent = fsys::path(out).parent_path(); !parent.empty()) fsys::create_directories(parent, ec);
  fs::write_file_atomic(out, bytes);
  r.path = out;
  r.hash = fs::fnv1a64_hex(bytes.data(), bytes.size());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (opts.console)
    std::fprintf(opts.console, "evaluator %s: test accuracy %.2f%% on %lld images; %lld steps in %.0f s -> %s\n",
                 opts.dataset.c_str(), 100 * r.test_accuracy, static_cast<long long>(r.test_count),
                 static_cast<long long>(r.steps), r.seconds, out.c_str());
  return r;
}

std::unique_ptr<Extractor> built_in(Net net) {
  auto ex = std::make_unique<BuiltIn>();
  ex->net = std::move(net);
  ex->net->eval();
  return ex;
}

std::unique_ptr<Extractor> load(const std::string& path) {
  const auto bytes = fs::read_file_bytes(path);  // UserError if missing
  Net net{nullptr};
  std::string name;
  double test_accuracy = -1;
  try {
    torch::serialize::InputArchive ar;
    load_archive(ar, bytes, path, "not a readable ganforge evaluator file");
    if (str_value(ar, "format") != kFormat) throw UserError(path + ": not a ganforge evaluator file");
    torch::Tensor channels, classes, acc;
    ar.read("channels", channels);
    ar.read("classes", classes);
    ar.read("test_accuracy", acc);
    net = Net(channels.item<int64_t>(), classes.item<int64_t>());
    torch::serialize::InputArchive net_ar;
    ar.read("net", net_ar);
    net->load(net_ar);
    name = "ganforge-evaluator/" + str_value(ar, "dataset");
    test_accuracy = acc.item<double>();
  } catch (const UserError&) {
    throw;
  } catch (const c10::Error& e) {
    throw UserError(path + ": not a readable ganforge evaluator file (" +
                    std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const std::exception& e) {  // e.g. a TorchScript archive: no such attribute
    throw UserError(path + ": not a readable ganforge evaluator file (" + std::string(e.what()).substr(0, 200) + ")");
  }
  auto ex = built_in(net);
  ex->name = name;
  ex->test_accuracy = test_accuracy;
  ex->path = path;
  ex->hash = fs::fnv1a64_hex(bytes.data(), bytes.size());
  return ex;
}

std::unique_ptr<Extractor> load_or_train(const std::string& dataset, const std::string& data_dir, FILE* console) {
  const std::string path = default_path(dataset);
  std::error_code ec;
  if (!fsys::exists(path, ec)) {
    if (console)
      std::fprintf(console, "evaluator: %s not found; training it once (kept for later use)\n", path.c_str());
    FitOptions t;
    t.dataset = dataset;
    t.data_dir = data_dir;
    t.console = console;
    train_evaluator(t);
  }
  return load(path);
}

Outputs extract(Extractor& ex, const torch::Tensor& images, int64_t batch) {
  TORCH_CHECK(images.dim() == 4, "extract: images must be [N, C, H, W], got ", images.sizes());
  torch::InferenceMode guard;
  std::vector<torch::Tensor> feats, probs;
  for (int64_t i = 0; i < images.size(0); i += batch) {
    auto x = images.narrow(0, i, std::min(batch, images.size(0) - i));
    x = x.scalar_type() == torch::kUInt8 ? data::to_signed_unit(x) : x.to(torch::kFloat32);
    Outputs o;
    {
      precision::Autocast amp(ex.bf16);
      o = ex.compute(x);
    }
    feats.push_back(o.features.to(torch::kFloat32).flatten(1));
    if (o.probs.defined()) probs.push_back(o.probs.to(torch::kFloat32));
  }
  Outputs all;
  all.features = torch::cat(feats);
  if (!probs.empty()) all.probs = torch::cat(probs);
  return all;
}

FitResult classification_accuracy_score(const torch::Tensor& images, const torch::Tensor& labels,
                                          const FitOptions& opts) {
  TORCH_CHECK(images.dim() == 4 && images.scalar_type() == torch::kUInt8 && labels.size(0) == images.size(0),
              "classification_accuracy_score: uint8 images [N, C, H, W] and labels [N]");
  data::Dataset generated;
  generated.name = opts.dataset + " (generated)";
  generated.images = images;
  generated.labels = labels.to(torch::kInt64);
  const data::Dataset test_set = data::load(opts.dataset, opts.data_dir, "test");
  const int64_t classes =
      std::max(generated.labels.max().item<int64_t>(), test_set.labels.max().item<int64_t>()) + 1;
  const auto t0 = std::chrono::steady_clock::now();
  FitResult r;
  fit(generated, test_set, classes, opts, r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

FitResult score_classifier(const torch::Tensor& images, const torch::Tensor& labels, const FitOptions& opts_in) {
  if (!has_recipe(opts_in.dataset))
    throw UserError("evaluator score: tests on a real test split with a recipe: mnist or fashion-mnist, not '" +
                    opts_in.dataset + "'");
  if (images.size(1) != 1 || images.size(2) != 28 || images.size(3) != 28)
    throw UserError("evaluator score: needs grey 28x28 images (the " + opts_in.dataset + " test split's shape)");
  FitOptions opts = opts_in;
  opts.batch = std::min(opts.batch, images.size(0));
  return classification_accuracy_score(images, labels, opts);
}

std::unique_ptr<Extractor> stacked(std::unique_ptr<Extractor> digit) {
  if (!digit->has_classes()) throw UserError("stacked-mnist: the digit extractor must have classes (an evaluator file)");
  auto ex = std::make_unique<Stacked>();
  ex->name = "stacked(" + digit->name + ")";
  ex->path = digit->path;
  ex->hash = digit->hash;
  ex->test_accuracy = digit->test_accuracy;
  ex->digit = std::move(digit);
  return ex;
}

}  // namespace ganforge::evaluator
