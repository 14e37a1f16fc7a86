// Sample-quality and mode-collapse metrics. Each says in its comment exactly how it is computed.
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

}  // namespace ganforge::metrics
