// Building blocks shared by the architectures (spectral normalization, activations, initialization).
#pragma once

#include <torch/torch.h>

#include <string>

namespace ganforge::models {

// Spectral normalization (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks",
// sec. 2.1 and Algorithm 1): the wrapped layer computes with W / sigma(W), sigma the largest singular value
// of W reshaped to [out, in * kh * kw], estimated by power iteration with a persistent vector u. As
// torch.nn.utils.spectral_norm: u and v start as normalized N(0, 1) draws; each forward in training mode
// runs one iteration v = normalize(W^T u), u = normalize(W v) without gradient; sigma = u . W v carries the
// gradient to W; in eval mode the stored u and v are used as they are.
// The layer's own parameters are "layer.weight" (PyTorch's weight_orig) and "layer.bias"; u and v are
// buffers, so they travel with checkpoints.
class SpectralNormImpl : public torch::nn::Module {
 public:
  explicit SpectralNormImpl(torch::nn::Conv2d conv);
  explicit SpectralNormImpl(torch::nn::Linear linear);
  torch::Tensor forward(const torch::Tensor& x);
  // W / sigma, running the power iteration first when the module is training.
  torch::Tensor normalized_weight();
  torch::Tensor& u() { return u_; }
  torch::Tensor& v() { return v_; }

 private:
  void init_vectors(const torch::Tensor& weight);
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::Linear linear_{nullptr};
  torch::Tensor u_, v_;
};
TORCH_MODULE(SpectralNorm);

// The transposed convolution computed as what it is, the input gradient of a convolution with the same
// weight: LibTorch 1.13 runs torch::nn::ConvTranspose2d on the CPU through slow_conv_transpose2d (im2col per
// sample and small GEMMs), while a convolution's forward and gradient kernels are oneDNN's. Forward: the
// convolution's input gradient; backward: a convolution (input gradient) and the convolution's weight
// gradient. With one output channel LibTorch's own kernel is used: there it is the faster. Same parameters
// ("weight" [in, out, k, k], "bias"), same initialization and, to float rounding, the same values as
// torch::nn::ConvTranspose2d (tests/test_models.cpp compares them).
torch::Tensor conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t stride, int64_t padding);
class ConvTranspose2dImpl : public torch::nn::Module {
 public:
  explicit ConvTranspose2dImpl(const torch::nn::ConvTranspose2dOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;  // bias undefined without options.bias()
  int64_t stride, padding;
};
TORCH_MODULE(ConvTranspose2d);

// y = x W^T + b for x [N, in], W [out, in], b [out] (undefined: none), as torch::linear, with the float32
// CPU products computed by oneDNN's sgemm (dnnl_sgemm, from the libdnnl LibTorch itself links) instead of
// LibTorch's BLAS: with the OpenBLAS kernels this environment selects (OPENBLAS_CORETYPE=Haswell) the MLP
// layers' products run at ~100-175 GFLOP/s, oneDNN's at ~260-390 (BENCHMARKS.md). The bias is folded into
// the product (C = bias, beta = 1). Backward: input and weight gradients by the same sgemm, the bias
// gradient by a column sum; under create_graph (gradient penalties) the backward is LibTorch's differentiable
// operations instead, so double backward works. Other dtypes, devices and shapes, a LibTorch without
// dnnl_sgemm, or GANFORGE_GEMM=libtorch (for measuring what this contributes): torch::linear.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
// Whether linear() multiplies with oneDNN's sgemm in this process ("onednn") or LibTorch's ("libtorch").
std::string gemm_kernel();
// oneDNN's row-major float32 sgemm C = op(A) op(B) + beta C; throws when oneDNN is not available.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc);

// tanh(x) by kernels::tanh for float32 CPU tensors (about 5x faster than LibTorch's Sleef tanhf here,
// relative error under 3e-7), torch::tanh otherwise; the gradient is LibTorch's tanh_backward, also under
// create_graph.
torch::Tensor fast_tanh(const torch::Tensor& x);

// The activation module for fast_tanh (no parameters: interchangeable with torch::nn::Tanh in checkpoints).
class TanhImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return fast_tanh(x); }
  void pretty_print(std::ostream& stream) const override { stream << "ganforge::models::Tanh()"; }
};
TORCH_MODULE(Tanh);

// A fully connected layer computed by linear(): the parameters ("weight" [out, in], "bias" [out]) and their
// initialization are torch::nn::Linear's, so checkpoints and seeds are interchangeable with it.
class LinearImpl : public torch::nn::Module {
 public:
  explicit LinearImpl(const torch::nn::Linear& reference);  // takes over `reference`'s parameters
  torch::Tensor forward(const torch::Tensor& x) { return linear(x, weight, bias); }
  void pretty_print(std::ostream& stream) const override;
  torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

// Maxout (Goodfellow et al. 2013, "Maxout Networks"): x [N, units * pieces] -> [N, units], unit j the largest
// of its `pieces` consecutive inputs (pieces * j .. pieces * j + pieces - 1). After a Linear of units * pieces
// outputs it makes the "LinearMaxout" layer of the PacGAN and VEEGAN 2D discriminators (5 pieces).
class MaxoutImpl : public torch::nn::Module {
 public:
  explicit MaxoutImpl(int64_t pieces) : pieces_(pieces) {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override { stream << "ganforge::models::Maxout(pieces=" << pieces_ << ")"; }

 private:
  int64_t pieces_;
};
TORCH_MODULE(Maxout);

// Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", sec. 3), a D layer that
// lets D see a batch's variety: the batch of N is split into groups of G (G = the largest divisor of N not
// over `group`; sample n joins group n mod (N / G), as StyleGAN's code); per group, the standard deviation
// over its G samples of every feature (sqrt(var + 1e-8), var with 1/G), averaged over the features, is one
// number, appended to each of the group's samples as one more feature ([N, F] -> [N, F + 1]) or one more
// constant channel ([N, C, H, W] -> [N, C + 1, H, W]).
class MinibatchStdImpl : public torch::nn::Module {
 public:
  explicit MinibatchStdImpl(int64_t group) : group_(group) {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override {
    stream << "ganforge::models::MinibatchStd(group=" << group_ << ")";
  }

 private:
  int64_t group_;
};
TORCH_MODULE(MinibatchStd);

// Append `layer` to `seq`, wrapped in SpectralNorm when `spectral` is set.
void push_layer(torch::nn::Sequential& seq, torch::nn::Conv2d layer, bool spectral);
void push_layer(torch::nn::Sequential& seq, torch::nn::Linear layer, bool spectral);
// Append the activation `name` (relu, leaky_relu, elu, tanh); UserError for others.
void push_activation(torch::nn::Sequential& seq, const std::string& name, double leaky_slope);
// A Sequential sharing every layer of `seq` but its last (the same modules, not copies).
torch::nn::Sequential without_last_layer(const torch::nn::SequentialImpl& seq);

// Weight initialization by name (model.init): "torch" leaves PyTorch's defaults; "glorot": Glorot-uniform
// weights, zero biases (Keras/TF defaults; Glorot & Bengio 2010); "dcgan": N(0, 0.02) weights, BatchNorm
// scales N(1, 0.02), zero biases (Radford et al. 2016, sec. 4). BatchNorm scales keep 1 under "glorot".
void init_weights(torch::nn::Module& m, const std::string& scheme);

}  // namespace ganforge::models
