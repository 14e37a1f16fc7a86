// DiffAugment ops (Zhao et al. 2020, sec. 3 and their released policy "color,translation,cutout"):
// brightness in [-0.5, 0.5), saturation x [0, 2), contrast x [0.5, 1.5); translation by up to 1/8 of the
// image with zero padding; cutout of a square of half the image side. Each is differentiable w.r.t. x.
#include "ganforge/ops/augment.h"

#include <algorithm>


namespace ganforge::augment {

namespace {

bool has(const std::vector<std::string>& ops, const char* op) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

int64_t rounded(double v) { return static_cast<int64_t>(v + 0.5); }

}  // namespace

Draws draw(const std::vector<std::string>& ops, const torch::Tensor& x, at::Generator& gen, Shard shard) {
  const int64_t b = shard.whole(x.size(0)), h = x.size(2), w = x.size(3);
  Draws d;
  if (has(ops, "color")) {
    d.brightness = torch::rand({b}, gen);
    d.saturation = torch::rand({b}, gen);
    d.contrast = torch::rand({b}, gen);
  }
  if (has(ops, "translation")) {
    const int64_t sx = rounded(h * 0.125), sy = rounded(w * 0.125);
    d.shift_x = torch::randint(-sx, sx + 1, {b}, gen, torch::kInt64);
    d.shift_y = torch::randint(-sy, sy + 1, {b}, gen, torch::kInt64);
  }
  if (has(ops, "cutout")) {
    const int64_t cx = rounded(h * 0.5), cy = rounded(w * 0.5);
    d.cut_x = torch::randint(0, h + (1 - cx % 2), {b}, gen, torch::kInt64);
    d.cut_y = torch::randint(0, w + (1 - cy % 2), {b}, gen, torch::kInt64);
  }
  if (shard.count > 1)
    for (torch::Tensor* t : {&d.brightness, &d.saturation, &d.contrast, &d.shift_x, &d.shift_y, &d.cut_x, &d.cut_y})
      if (t->defined()) *t = shard.own(*t);
  return d;
}

torch::Tensor apply(const std::vector<std::string>& ops, const torch::Tensor& x_in, const Draws& d) {
  torch::Tensor x = x_in;
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto opts = torch::TensorOptions().dtype(torch::kInt64).device(x.device());
  auto per_image = [&](const torch::Tensor& t) { return t.to(x.device(), x.scalar_type()).view({b, 1, 1, 1}); };
  if (has(ops, "color")) {
    x = x + (per_image(d.brightness) - 0.5);
    const auto channel_mean = x.mean(1, /*keepdim=*/true);
    x = (x - channel_mean) * (per_image(d.saturation) * 2) + channel_mean;
    const auto image_mean = x.mean({1, 2, 3}, /*keepdim=*/true);
    x = (x - image_mean) * (per_image(d.contrast) + 0.5) + image_mean;
  }
  if (has(ops, "translation")) {
    // out[i, j] = x[i + shift_x, j + shift_y], zero where that falls outside: read from x padded by one
    // zero pixel, with the index clamped into the padding.
    const auto gb = torch::arange(b, opts).view({b, 1, 1});
    const auto gx = (torch::arange(h, opts).view({1, h, 1}) + d.shift_x.to(opts).view({b, 1, 1}) + 1).clamp(0, h + 1);
    const auto gy = (torch::arange(w, opts).view({1, 1, w}) + d.shift_y.to(opts).view({b, 1, 1}) + 1).clamp(0, w + 1);
    const auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1}, 0).permute({0, 2, 3, 1});  // [B, H+2, W+2, C]
    x = padded.index({gb, gx, gy}).permute({0, 3, 1, 2});
  }
  if (has(ops, "cutout")) {
    const int64_t cx = rounded(h * 0.5), cy = rounded(w * 0.5);
    const auto gb = torch::arange(b, opts).view({b, 1, 1});
    const auto gx = (torch::arange(cx, opts).view({1, cx, 1}) + d.cut_x.to(opts).view({b, 1, 1}) - cx / 2).clamp(0, h - 1);
    const auto gy = (torch::arange(cy, opts).view({1, 1, cy}) + d.cut_y.to(opts).view({b, 1, 1}) - cy / 2).clamp(0, w - 1);
    auto mask = torch::ones({b, h, w}, x.options());
    mask.index_put_({gb, gx, gy}, 0);
    x = x * mask.unsqueeze(1);
  }
  return x;
}

torch::Tensor random_apply(const std::vector<std::string>& ops, const torch::Tensor& x, at::Generator& gen,
                           Shard shard) {
  return ops.empty() ? x : apply(ops, x, draw(ops, x, gen, shard));
}

}  // namespace ganforge::augment
