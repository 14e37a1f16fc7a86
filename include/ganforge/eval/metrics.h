// Sample-quality and mode-collapse metrics. Each says in its comment exactly how it is computed; all work in
// float64 on feature matrices [N, D] (rows are samples), whatever extractor made them.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ganforge::metrics {

// Mode statistics of 2D samples against a Gaussian mixture with isotropic components, as in the PacGAN
// experiments (Lin et al. 2018, Table 1; their evaluation code follows VEEGAN, Srivastava et al. 2017):
// each sample is assigned to its nearest mean; it is "high quality" if that distance is under
// `threshold_sigmas` (3) standard deviations. A mode is covered when at least one high-quality sample is
// assigned to it. The reverse KL is KL(p || u) between the histogram p of high-quality samples over the
// modes and the uniform distribution u of the true mixture (sum p_k log(K p_k); +inf with no high-quality
// sample).
struct ModeStats {
  int64_t modes = 0;            // K
  int64_t covered = 0;          // modes with at least one high-quality sample
  double high_quality = 0;      // share of samples within the threshold
  double reverse_kl = 0;        // KL(p || uniform)
  std::vector<int64_t> counts;  // high-quality samples per mode
};
ModeStats mode_stats(const torch::Tensor& points, const torch::Tensor& means, double std,
                     double threshold_sigmas = 3.0);

// Mean and covariance of features: mu = mean of the rows, sigma = unbiased covariance (divides by N - 1, as
// numpy.cov does).
struct Gaussian {
  torch::Tensor mu;     // [D] float64
  torch::Tensor sigma;  // [D, D] float64
};
Gaussian gaussian(const torch::Tensor& features);

// Frechet distance between two Gaussians (FID when they are fitted to extractor features; Heusel et al.
// 2017): |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). The trace of the matrix square root is
// computed without a general sqrtm: with R = S1^(1/2) (symmetric, from an eigendecomposition), S1 S2 is
// similar to R S2 R, which is symmetric positive semi-definite, so tr((S1 S2)^(1/2)) = sum_i sqrt(l_i) over
// the eigenvalues l_i of R S2 R (tiny negative ones from rounding are taken as 0).
double frechet_distance(const Gaussian& a, const Gaussian& b);
inline double fid(const torch::Tensor& f1, const torch::Tensor& f2) { return frechet_distance(gaussian(f1), gaussian(f2)); }

// Unbiased estimate of the squared MMD between the sets x [m, D] and y [n, D] with the polynomial kernel
// k(a, b) = (a.b / D + 1)^3 (Binkowski et al. 2018, eq. 2; the kernel of KID): the kernel sums over x and
// over y leave out the diagonal.
double mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y);

// Kernel Inception Distance: the mean and standard deviation (over subsets, N - 1 in the denominator) of
// mmd2_unbiased over `subsets` pairs of random subsets of `subset_size` rows each, drawn without replacement
// within a subset from a generator seeded with `seed` (subset_size is capped at the smaller set's size).
struct Kid {
  double mean = 0, std = 0;
  int64_t subsets = 0, subset_size = 0;
};
Kid kid(const torch::Tensor& real, const torch::Tensor& fake, int64_t subsets = 100, int64_t subset_size = 1000,
        uint64_t seed = 0);

// Improved precision and recall (Kynkaanniemi et al. 2019) and density and coverage (Naeem et al. 2020),
// from k-nearest-neighbour balls in feature space (Euclidean distance). NND_k(a) is the distance from a to
// its k-th nearest other point of its own set. A point p lies in the ball of a when |p - a| < NND_k(a)
// (strict, as in both papers' code).
//   precision = share of fake samples inside the ball of at least one real sample (k = k_pr)
//   recall    = share of real samples inside the ball of at least one fake sample (k = k_pr)
//   density   = (1 / (k M)) sum over fake samples of the number of real balls containing it (k = k_dc)
//   coverage  = share of real samples whose ball contains at least one fake sample (k = k_dc)
// Defaults follow the papers: k = 3 for precision/recall, k = 5 for density/coverage.
struct Prdc {
  double precision = 0, recall = 0, density = 0, coverage = 0;
  int64_t k_pr = 3, k_dc = 5;
};
Prdc prdc(const torch::Tensor& real, const torch::Tensor& fake, int64_t k_pr = 3, int64_t k_dc = 5);
// NND_k of every row of x: [N] float64 (exposed for tests).
torch::Tensor knn_radii(const torch::Tensor& x, int64_t k);

// Inception-Score-style score with the evaluator's classes (Salimans et al. 2016): exp(E_x KL(p(y|x) ||
// p(y))) over `splits` equal consecutive parts of the samples; mean and standard deviation (N in the
// denominator, as the original code) over the parts. Ranges from 1 to the number of classes.
struct Score {
  double mean = 0, std = 0;
  int64_t splits = 0;
};
Score inception_score(const torch::Tensor& probs, int64_t splits = 10);

// Class histogram of samples by the evaluator's most likely class, the number of classes with at least one
// sample, and KL(p_fake || p_real) to the real label distribution (+inf if a class the samples have is
// absent from the real labels), and KL(p_fake || uniform over the K classes) (the Stacked MNIST measure of
// VEEGAN and PacGAN).
struct ClassStats {
  std::vector<int64_t> counts;
  int64_t covered = 0;      // classes with at least one sample
  int64_t represented = 0;  // classes holding at least a quarter of their share of the real labels
  double kl = 0;
  double kl_uniform = 0;
};
ClassStats class_stats(const torch::Tensor& probs, const torch::Tensor& real_labels);

}  // namespace ganforge::metrics
