// Sample-quality and mode-collapse metrics (metrics.h). Everything in float64; large distance matrices are
// built a block of rows at a time so memory stays O(block x N).
#include "ganforge/eval/metrics.h"

#include <cmath>
#include <limits>

namespace ganforge::metrics {

namespace {

constexpr int64_t kBlock = 1024;  // rows of a distance block: 1024 x 10,000 float64 = 80 MB

torch::Tensor f64(const torch::Tensor& x) { return x.to(torch::kFloat64).contiguous(); }

void check_features(const torch::Tensor& x, const char* what, int64_t min_rows) {
  TORCH_CHECK(x.dim() == 2, what, ": features must be a 2-d tensor [N, D], got ", x.dim(), "-d");
  TORCH_CHECK(x.size(0) >= min_rows, what, ": needs at least ", min_rows, " samples, got ", x.size(0));
}

}  // namespace

ModeStats mode_stats(const torch::Tensor& points, const torch::Tensor& means, double std, double threshold_sigmas) {
  TORCH_CHECK(points.dim() == 2 && means.dim() == 2 && points.size(1) == means.size(1), "mode_stats: shapes");
  const auto p = f64(points), m = f64(means);
  const auto [dist, nearest] = torch::cdist(p, m).min(/*dim=*/1);  // [N]
  const auto good = dist < threshold_sigmas * std;                 // non-finite samples are never good
  ModeStats s;
  s.modes = m.size(0);
  const auto counts = torch::bincount(nearest.masked_select(good), /*weights=*/{}, s.modes);
  s.counts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + s.modes);
  int64_t total_good = 0;
  for (int64_t c : s.counts) s.covered += c > 0, total_good += c;
  s.high_quality = p.size(0) ? static_cast<double>(total_good) / static_cast<double>(p.size(0)) : 0;
  if (total_good == 0) {
    s.reverse_kl = std::numeric_limits<double>::infinity();
  } else {
    for (int64_t c : s.counts)
      if (c > 0) {
        const double q = static_cast<double>(c) / static_cast<double>(total_good);
        s.reverse_kl += q * std::log(q * static_cast<double>(s.modes));
      }
  }
  return s;
}

Gaussian gaussian(const torch::Tensor& features) {
  check_features(features, "gaussian", 2);
  const auto f = f64(features);
  Gaussian g;
  g.mu = f.mean(0);
  const auto c = f - g.mu;
  g.sigma = c.t().mm(c).div_(static_cast<double>(f.size(0) - 1));
  return g;
}

double frechet_distance(const Gaussian& a, const Gaussian& b) {
  TORCH_CHECK(a.mu.sizes() == b.mu.sizes(), "frechet_distance: feature sizes differ: ", a.mu.size(0), " vs ",
              b.mu.size(0));
  const auto [w, v] = torch::linalg_eigh(a.sigma);
  const auto root = v.mm(torch::diag(w.clamp_min(0).sqrt())).mm(v.t());  // S1^(1/2)
  auto m = root.mm(b.sigma).mm(root);
  m = (m + m.t()) / 2;  // symmetric up to rounding; make it exactly so for eigvalsh
  const double tr_sqrt = torch::linalg_eigvalsh(m).clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (a.mu - b.mu).pow(2).sum().item<double>();
  return mean_term + a.sigma.trace().item<double>() + b.sigma.trace().item<double>() - 2 * tr_sqrt;
}

double mmd2_unbiased(const torch::Tensor& x_in, const torch::Tensor& y_in) {
  check_features(x_in, "mmd2_unbiased", 2);
  check_features(y_in, "mmd2_unbiased", 2);
  TORCH_CHECK(x_in.size(1) == y_in.size(1), "mmd2_unbiased: feature sizes differ");
  const auto x = f64(x_in), y = f64(y_in);
  const double d = static_cast<double>(x.size(1));
  const double m = static_cast<double>(x.size(0)), n = static_cast<double>(y.size(0));
  auto kernel = [d](const torch::Tensor& a, const torch::Tensor& b) { return (a.mm(b.t()) / d + 1).pow(3); };
  const auto kxx = kernel(x, x), kyy = kernel(y, y);
  const double sxx = (kxx.sum() - kxx.trace()).item<double>();
  const double syy = (kyy.sum() - kyy.trace()).item<double>();
  const double sxy = kernel(x, y).sum().item<double>();
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n);
}

Kid kid(const torch::Tensor& real, const torch::Tensor& fake, int64_t subsets, int64_t subset_size, uint64_t seed) {
  check_features(real, "kid", 2);
  check_features(fake, "kid", 2);
  TORCH_CHECK(subsets >= 1 && subset_size >= 2, "kid: subsets >= 1 and subset_size >= 2, got ", subsets, ", ",
              subset_size);
  Kid r;
  r.subsets = subsets;
  r.subset_size = std::min({subset_size, real.size(0), fake.size(0)});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kInt64);
  std::vector<double> values;
  for (int64_t s = 0; s < subsets; ++s) {
    const auto ir = torch::randperm(real.size(0), gen, opts).narrow(0, 0, r.subset_size);
    const auto jf = torch::randperm(fake.size(0), gen, opts).narrow(0, 0, r.subset_size);
    values.push_back(mmd2_unbiased(real.index_select(0, ir), fake.index_select(0, jf)));
  }
  const auto t = torch::tensor(values, torch::kFloat64);
  r.mean = t.mean().item<double>();
  r.std = subsets > 1 ? t.std().item<double>() : 0.0;
  return r;
}

torch::Tensor knn_radii(const torch::Tensor& x_in, int64_t k) {
  check_features(x_in, "knn_radii", k + 1);
  TORCH_CHECK(k >= 1, "knn_radii: k >= 1, got ", k);
  const auto x = f64(x_in);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += kBlock) {
    const auto d = torch::cdist(x.narrow(0, i, std::min(kBlock, x.size(0) - i)), x);  // [b, N]
    // The k + 1 smallest include the point itself (distance 0): the last of them is the k-th other point.
    parts.push_back(std::get<0>(d.topk(k + 1, /*dim=*/1, /*largest=*/false, /*sorted=*/true)).select(1, k));
  }
  return torch::cat(parts);
}

Prdc prdc(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k_pr, int64_t k_dc) {
  const int64_t kmax = std::max(k_pr, k_dc);
  check_features(real_in, "prdc (real)", kmax + 1);
  check_features(fake_in, "prdc (fake)", k_pr + 1);
  TORCH_CHECK(real_in.size(1) == fake_in.size(1), "prdc: feature sizes differ");
  const auto real = f64(real_in), fake = f64(fake_in);
  const int64_t nr = real.size(0), nf = fake.size(0);
  const auto r_pr = knn_radii(real, k_pr).unsqueeze(0);  // [1, Nr]
  const auto r_dc = knn_radii(real, k_dc).unsqueeze(0);  // [1, Nr]
  const auto f_pr = knn_radii(fake, k_pr);               // [Nf]
  int64_t precise = 0, in_balls = 0;
  auto recalled = torch::zeros({nr}, torch::kBool);
  auto nearest_fake = torch::full({nr}, std::numeric_limits<double>::infinity(), torch::kFloat64);
  for (int64_t i = 0; i < nf; i += kBlock) {
    const int64_t b = std::min(kBlock, nf - i);
    const auto d = torch::cdist(fake.narrow(0, i, b), real);  // [b, Nr]
    precise += (d < r_pr).any(1).sum().item<int64_t>();
    in_balls += (d < r_dc).sum().item<int64_t>();
    recalled.logical_or_((d < f_pr.narrow(0, i, b).unsqueeze(1)).any(0));
    nearest_fake = torch::minimum(nearest_fake, std::get<0>(d.min(0)));
  }
  Prdc r;
  r.k_pr = k_pr;
  r.k_dc = k_dc;
  r.precision = static_cast<double>(precise) / static_cast<double>(nf);
  r.recall = recalled.to(torch::kFloat64).mean().item<double>();
  r.density = static_cast<double>(in_balls) / (static_cast<double>(k_dc) * static_cast<double>(nf));
  r.coverage = (nearest_fake < r_dc.squeeze(0)).to(torch::kFloat64).mean().item<double>();
  return r;
}

Score inception_score(const torch::Tensor& probs_in, int64_t splits) {
  TORCH_CHECK(probs_in.dim() == 2, "inception_score: probabilities must be [N, K]");
  TORCH_CHECK(splits >= 1 && probs_in.size(0) >= splits, "inception_score: ", probs_in.size(0),
              " samples cannot make ", splits, " splits");
  const auto p = f64(probs_in);
  const int64_t part = p.size(0) / splits;  // the remainder is left out, as in the original code
  std::vector<double> scores;
  for (int64_t s = 0; s < splits; ++s) {
    const auto q = p.narrow(0, s * part, part);
    const auto py = q.mean(0, /*keepdim=*/true);
    const auto kl = (torch::xlogy(q, q) - torch::xlogy(q, py)).sum(1).mean();
    scores.push_back(std::exp(kl.item<double>()));
  }
  const auto t = torch::tensor(scores, torch::kFloat64);
  return {t.mean().item<double>(), splits > 1 ? t.std(/*unbiased=*/false).item<double>() : 0.0, splits};
}

ClassStats class_stats(const torch::Tensor& probs, const torch::Tensor& real_labels) {
  TORCH_CHECK(probs.dim() == 2 && probs.size(0) > 0, "class_stats: probabilities must be [N, K], N > 0");
  const int64_t k = probs.size(1);
  const auto counts = torch::bincount(probs.argmax(1), {}, k);
  const auto real = torch::bincount(real_labels.to(torch::kInt64), {}, k).to(torch::kFloat64);
  TORCH_CHECK(real.size(0) == k, "class_stats: real labels outside the ", k, " classes");
  ClassStats s;
  s.counts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + k);
  const double n = static_cast<double>(probs.size(0)), nr = real.sum().item<double>();
  for (int64_t c = 0; c < k; ++c) {
    if (s.counts[c] == 0) continue;
    ++s.covered;
    const double pf = static_cast<double>(s.counts[c]) / n, pr = real[c].item<double>() / nr;
    if (pf >= 0.25 * pr) ++s.represented;
    s.kl += pr > 0 ? pf * std::log(pf / pr) : std::numeric_limits<double>::infinity();
    s.kl_uniform += pf * std::log(pf * static_cast<double>(k));
  }
  return s;
}

}  // namespace ganforge::metrics
