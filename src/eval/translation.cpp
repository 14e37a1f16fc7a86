#include "ganforge/eval/translation.h"

#include <cmath>

#include "ganforge/core/error.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/dataset.h"
#include "ganforge/data/images.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/eval/image_metrics.h"
#include "ganforge/eval/metrics.h"

namespace ganforge {

using nlohmann::json;

torch::Tensor ssim(const torch::Tensor& a_in, const torch::Tensor& b_in) {
  TORCH_CHECK(a_in.dim() == 4 && a_in.sizes() == b_in.sizes(), "ssim: two batches of images of one shape, got ",
              a_in.sizes(), " and ", b_in.sizes());
  constexpr int64_t kWin = 11;
  constexpr double kSigma = 1.5, kL = 255, kC1 = (0.01 * kL) * (0.01 * kL), kC2 = (0.03 * kL) * (0.03 * kL);
  const int64_t n = a_in.size(0), c = a_in.size(1), h = a_in.size(2), w = a_in.size(3);
  TORCH_CHECK(h >= kWin && w >= kWin, "ssim: images must be at least 11 pixels on a side, got ", h, "x", w);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor x = torch::arange(kWin, opts) - (kWin - 1) / 2;
  torch::Tensor g = torch::exp(-x * x / (2 * kSigma * kSigma));
  g = g / g.sum();
  const torch::Tensor window = torch::outer(g, g).view({1, 1, kWin, kWin});
  const torch::Tensor a = a_in.to(torch::kFloat64).reshape({n * c, 1, h, w});
  const torch::Tensor b = b_in.to(torch::kFloat64).reshape({n * c, 1, h, w});
  auto filter = [&](const torch::Tensor& t) { return torch::conv2d(t, window); };  // valid positions only
  const torch::Tensor mu_a = filter(a), mu_b = filter(b);
  const torch::Tensor var_a = filter(a * a) - mu_a * mu_a;
  const torch::Tensor var_b = filter(b * b) - mu_b * mu_b;
  const torch::Tensor cov = filter(a * b) - mu_a * mu_b;
  const torch::Tensor map = ((2 * mu_a * mu_b + kC1) * (2 * cov + kC2)) /
                            ((mu_a * mu_a + mu_b * mu_b + kC1) * (var_a + var_b + kC2));
  return map.reshape({n, c, -1}).mean(2).mean(1);
}

struct TranslationMetrics::Impl {
  torch::Tensor inputs;   // float [n, Cin, H, W] in [-1, 1]
  torch::Tensor targets;  // uint8 [n, C, H, W]
  torch::Tensor labels;   // int64 [n]
  std::string inputs_from;
  // The evaluator's view (null when the dataset has none): its input side, how outputs are resized to it,
  // and the real test split's features.
  std::unique_ptr<evaluator::Extractor> ex;
  int64_t side = 0;
  std::string resize;
  metrics::Gaussian real_test;
  int64_t real_test_n = 0;
  std::string no_evaluator;  // why fid and label_accuracy are not measured

  // Images at the run's resolution (uint8) at the evaluator's side, resized as the training images were.
  torch::Tensor to_evaluator(const torch::Tensor& u8) const {
    if (u8.size(2) == side) return u8;
    const torch::Tensor planes = u8.contiguous();
    const std::vector<uint8_t> out =
        data::resize_planes(planes.data_ptr<uint8_t>(), u8.size(0) * u8.size(1), u8.size(2), side, resize);
    return torch::from_blob(const_cast<uint8_t*>(out.data()), {u8.size(0), u8.size(1), side, side}, torch::kUInt8)
        .clone();
  }

  json scores(const torch::Tensor& u8) const {
    json j;
    j["n"] = u8.size(0);
    j["l1"] = (data::to_signed_unit(u8) - data::to_signed_unit(targets)).abs().mean().item<double>();
    j["ssim"] = ssim(u8, targets).mean().item<double>();
    if (!ex) return j;
    const evaluator::Outputs o = evaluator::extract(*ex, to_evaluator(u8));
    j["fid"] = json_number(metrics::frechet_distance(metrics::gaussian(o.features), real_test));
    if (o.probs.defined())
      j["label_accuracy"] = o.probs.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
    return j;
  }
};

TranslationMetrics::TranslationMetrics(const DataConfig& data, int64_t n, FILE* console) : impl_(new Impl) {
  const data::Dataset test = data::load(data, "test", console);
  if (!test.paired())
    throw UserError("eval: the run's test data has no inputs to translate (data.pairs is not set and " + data.dir +
                    " is not a paired pack)");
  const int64_t count = n > 0 ? std::min(n, test.size()) : test.size();
  impl_->inputs = data::to_signed_unit(test.inputs.narrow(0, 0, count)).contiguous();
  impl_->targets = test.images.narrow(0, 0, count).contiguous();
  impl_->labels = test.labels.narrow(0, 0, count).to(torch::kInt64);
  impl_->inputs_from = data.pairs.empty() ? "the pack's inputs" : data.pairs;
  const bool known = data::is_known(data.dataset) && !data::is_toy(data.dataset);
  const auto* entry = known ? &registry::dataset(data.dataset) : nullptr;
  if (!entry || *entry->evaluator == 0 || entry->per_channel) {
    impl_->no_evaluator = "no built-in evaluator for '" + data.dataset + "': fid and label_accuracy not measured";
    return;
  }
  const data::Dataset native = data::load(data.dataset, data.dir, "test");
  if (native.images.size(1) != test.images.size(1)) {
    impl_->no_evaluator = "the run's images have " + std::to_string(test.images.size(1)) + " channels, the '" +
                          data.dataset + "' evaluator reads " + std::to_string(native.images.size(1)) +
                          ": fid and label_accuracy not measured";
    return;
  }
  impl_->ex = evaluator::load_or_train(entry->evaluator, data.dir, console);
  impl_->side = native.images.size(2);
  impl_->resize = data::image_options(data).resize;
  // The reference: every real test image as the run sees it (at its resolution), through the same resizing
  // as the outputs, so that the resizing itself costs neither side.
  impl_->real_test = metrics::gaussian(evaluator::extract(*impl_->ex, impl_->to_evaluator(test.images)).features);
  impl_->real_test_n = test.size();
}

TranslationMetrics::~TranslationMetrics() = default;

const torch::Tensor& TranslationMetrics::inputs() const { return impl_->inputs; }

json TranslationMetrics::measure(const torch::Tensor& outputs) const {
  TORCH_CHECK(outputs.sizes() == impl_->targets.sizes(), "TranslationMetrics: outputs ", outputs.sizes(),
              " for targets ", impl_->targets.sizes());
  return impl_->scores(outputs.scalar_type() == torch::kUInt8 ? outputs : data::to_uint8(outputs));
}

json TranslationMetrics::real() const { return impl_->scores(impl_->targets); }

json TranslationMetrics::manifest() const {
  json j;
  j["pairs"] = {{"split", "test"}, {"n", impl_->targets.size(0)}, {"inputs", impl_->inputs_from}};
  if (impl_->ex) {
    j["extractor"] = {{"name", impl_->ex->name}, {"hash", impl_->ex->hash}, {"path", impl_->ex->path}};
    if (impl_->ex->test_accuracy >= 0) j["extractor"]["test_accuracy"] = impl_->ex->test_accuracy;
    j["reference"] = {{"split", "test"}, {"n", impl_->real_test_n}, {"resized_to", impl_->side},
                      {"resize", impl_->resize}, {"from", "the real test images at the run's resolution"}};
  } else {
    j["note"] = impl_->no_evaluator;
  }
  return j;
}

}  // namespace ganforge
