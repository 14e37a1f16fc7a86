#include "ganforge/models/layers.h"

#include <dlfcn.h>

#include <cstdlib>

#include <ATen/Parallel.h>

#include "ganforge/core/error.h"
#include "ganforge/ops/kernels.h"
#include "ganforge/ops/precision.h"

namespace ganforge::models {
namespace {

// torch.nn.functional.normalize(x, dim=0, eps=1e-12): x / max(||x||, eps).
torch::Tensor normalize(const torch::Tensor& x) { return x / x.norm().clamp_min(1e-12); }

}  // namespace

SpectralNormImpl::SpectralNormImpl(torch::nn::Conv2d conv) : conv_(register_module("layer", conv)) {
  init_vectors(conv_->weight);
}

SpectralNormImpl::SpectralNormImpl(torch::nn::Linear linear) : linear_(register_module("layer", linear)) {
  init_vectors(linear_->weight);
}

void SpectralNormImpl::init_vectors(const torch::Tensor& weight) {
  const auto w = weight.detach().flatten(1);
  torch::NoGradGuard no_grad;
  u_ = register_buffer("u", normalize(torch::randn({w.size(0)}, w.options())));
  v_ = register_buffer("v", normalize(torch::randn({w.size(1)}, w.options())));
}

torch::Tensor SpectralNormImpl::normalized_weight() {
  const torch::Tensor& weight = conv_ ? conv_->weight : linear_->weight;
  const torch::Tensor w = weight.flatten(1);  // [out, in * kh * kw]
  if (is_training()) {
    torch::NoGradGuard no_grad;
    // In place, so that the buffers (and the checkpoint) hold the updated vectors.
    v_.copy_(normalize(torch::mv(w.t(), u_)));
    u_.copy_(normalize(torch::mv(w, v_)));
  }
  // Clones, as PyTorch: the next forward updates the buffers in place while this one's graph still needs
  // the vectors it used.
  const torch::Tensor sigma = torch::dot(u_.clone(), torch::mv(w, v_.clone()));
  return weight / sigma;
}

torch::Tensor SpectralNormImpl::forward(const torch::Tensor& x) {
  const torch::Tensor w = normalized_weight();
  if (linear_) return linear(x, w, linear_->bias);
  const auto& o = conv_->options;
  return torch::conv2d(x, w, conv_->bias, o.stride(), c10::get<torch::ExpandingArray<2>>(o.padding()),
                       o.dilation(), o.groups());
}

namespace {

// dnnl_sgemm (oneDNN's C API, dnnl.h; dnnl_dim_t is int64_t, dnnl_status_t an int, 0 = success).
using SgemmFn = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                        float, float*, int64_t);

// LibTorch links libdnnl as a shared library (Debian) or carries oneDNN inside libtorch_cpu; either way its
// symbols are in the process. Not found, or GANFORGE_GEMM=libtorch: null, and linear() is torch::linear.
void* onednn_symbol(const char* name) {
  if (const char* v = std::getenv("GANFORGE_GEMM"); v && std::string(v) == "libtorch") return nullptr;
  if (void* f = dlsym(RTLD_DEFAULT, name)) return f;
  for (const char* lib : {"libdnnl.so.3", "libdnnl.so.2"})
    if (void* h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD))
      if (void* f = dlsym(h, name)) return f;
  return nullptr;
}

SgemmFn onednn_sgemm() {
  static const SgemmFn fn = reinterpret_cast<SgemmFn>(onednn_symbol("dnnl_sgemm"));
  return fn;
}

// dnnl_gemm_bf16bf16f32: C (float) = alpha op(A) op(B) + beta C with A and B bf16 (uint16_t), row-major.
using GemmBf16Fn = int (*)(char, char, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t, const uint16_t*,
                           int64_t, float, float*, int64_t);

GemmBf16Fn onednn_gemm_bf16() {
  static const GemmBf16Fn fn = reinterpret_cast<GemmBf16Fn>(onednn_symbol("dnnl_gemm_bf16bf16f32"));
  return fn;
}

// C [m, n] (float) = op(A) op(B) + beta C, A and B bf16 tensors' data.
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const torch::Tensor& a, int64_t lda,
               const torch::Tensor& b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int status = onednn_gemm_bf16()(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f,
                                        static_cast<const uint16_t*>(a.data_ptr()), lda,
                                        static_cast<const uint16_t*>(b.data_ptr()), ldb, beta, c, ldc);
  TORCH_CHECK(status == 0, "dnnl_gemm_bf16bf16f32 failed with status ", status);
}

// The checks both custom paths share: float32 CPU matrices of matching shapes, no sparse or forward-mode.
bool plain_fp32_product(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  auto ok = [](const torch::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == torch::kFloat32; };
  return x.dim() == 2 && w.dim() == 2 && ok(x) && ok(w) && (!b.defined() || ok(b)) && x.size(1) == w.size(1) &&
         (!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0))) && x.size(0) > 0 && !x.is_sparse() &&
         !w.is_sparse() && !x._fw_grad(0).defined() && !w._fw_grad(0).defined();
}

bool fast_path(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return onednn_sgemm() && !precision::autocast_on() && plain_fp32_product(x, w, b);
}

// Under bf16 autocast: bf16 products with fp32 results (dnnl_gemm_bf16bf16f32).
bool bf16_path(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return onednn_gemm_bf16() && precision::autocast_on() && plain_fp32_product(x, w, b);
}

// y [N, out] = x [N, in] W^T + b, all contiguous.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const int64_t n = x.size(0), in = x.size(1), out = w.size(0);
  torch::Tensor y = b.defined() ? b.expand({n, out}).clone(at::MemoryFormat::Contiguous) : torch::empty({n, out}, x.options());
  sgemm(false, true, n, out, in, x.data_ptr<float>(), in, w.data_ptr<float>(), in, b.defined() ? 1.0f : 0.0f,
        y.data_ptr<float>(), out);
  return y;
}

// Column sums of g [N, out]: the bias gradient.
torch::Tensor column_sums(const torch::Tensor& g) {
  torch::Tensor s = torch::empty({g.size(1)}, g.options());
  kernels::column_sums(g.data_ptr<float>(), g.size(0), g.size(1), s.data_ptr<float>());
  return s;
}

torch::Tensor tanh_forward(const torch::Tensor& x) {
  const torch::Tensor xc = x.contiguous();
  torch::Tensor y = torch::empty_like(xc);
  const float* in = xc.data_ptr<float>();
  float* out = y.data_ptr<float>();
  at::parallel_for(0, xc.numel(), 16384, [&](int64_t begin, int64_t end) {
    kernels::tanh(in + begin, out + begin, end - begin);
  });
  return y;
}

struct TanhFunction : torch::autograd::Function<TanhFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    torch::Tensor y = tanh_forward(x);
    ctx->save_for_backward({y});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return {at::tanh_backward(grads[0], ctx->get_saved_variables()[0])};
  }
};

// The gradients of y = x W^T (+ b) for x [N, in] and W [out, in] saved by the forward.
torch::autograd::variable_list linear_backward(torch::autograd::AutogradContext* ctx, const torch::Tensor& grad,
                                               bool has_bias) {
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor &x = saved[0], &w = saved[1];
  const torch::Tensor gy = grad.contiguous();
  torch::Tensor gx, gw, gb;
  if (torch::GradMode::is_enabled()) {  // create_graph: a differentiable backward
    if (ctx->needs_input_grad(0)) gx = gy.mm(w);
    if (ctx->needs_input_grad(1)) gw = gy.t().mm(x);
    if (has_bias && ctx->needs_input_grad(2)) gb = gy.sum(0);
  } else {
    const int64_t n = x.size(0), in = x.size(1), out = w.size(0);
    if (ctx->needs_input_grad(0)) {  // [N, in] = gy [N, out] W [out, in]
      gx = torch::empty({n, in}, x.options());
      sgemm(false, false, n, in, out, gy.data_ptr<float>(), out, w.data_ptr<float>(), in, 0, gx.data_ptr<float>(), in);
    }
    if (ctx->needs_input_grad(1)) {  // [out, in] = gy^T x
      gw = torch::empty({out, in}, w.options());
      sgemm(true, false, out, in, n, gy.data_ptr<float>(), out, x.data_ptr<float>(), in, 0, gw.data_ptr<float>(), in);
    }
    if (has_bias && ctx->needs_input_grad(2)) gb = column_sums(gy);
  }
  if (has_bias) return {gx, gw, gb};
  return {gx, gw};
}

// Two functions: LibTorch's custom autograd functions take no undefined tensor inputs.
struct LinearFunction : torch::autograd::Function<LinearFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
    ctx->save_for_backward({x, w});
    return linear_forward(x, w, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return linear_backward(ctx, grads[0], true);
  }
};

struct LinearNoBiasFunction : torch::autograd::Function<LinearNoBiasFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w) {
    ctx->save_for_backward({x, w});
    return linear_forward(x, w, torch::Tensor());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return linear_backward(ctx, grads[0], false);
  }
};

// y = x W^T + b under bf16 autocast: x and W rounded to bf16, the products accumulated and returned in fp32
// (so what follows, activations and losses, runs in fp32), the bias added in fp32. Backward: the output
// gradient rounded to bf16, input and weight gradients from bf16 products in fp32, the bias gradient an
// fp32 column sum; the gradients reach the fp32 parameters in fp32. Under create_graph (penalties), the
// differentiable fp32 operations, as the fp32 path does.
torch::Tensor linear_bf16_forward(const torch::Tensor& xb, const torch::Tensor& wb, const torch::Tensor& b) {
  const int64_t n = xb.size(0), in = xb.size(1), out = wb.size(0);
  torch::Tensor y = b.defined() ? b.expand({n, out}).clone(at::MemoryFormat::Contiguous)
                                : torch::empty({n, out}, xb.options().dtype(torch::kFloat));
  gemm_bf16(false, true, n, out, in, xb, in, wb, in, b.defined() ? 1.0f : 0.0f, y.data_ptr<float>(), out);
  return y;
}

torch::Tensor linear_bf16_save(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
  const torch::Tensor xb = x.to(torch::kBFloat16).contiguous(), wb = w.to(torch::kBFloat16).contiguous();
  ctx->save_for_backward({x, w});
  ctx->saved_data["xb"] = xb;
  ctx->saved_data["wb"] = wb;
  return linear_bf16_forward(xb, wb, b);
}

torch::autograd::variable_list linear_bf16_backward(torch::autograd::AutogradContext* ctx, const torch::Tensor& grad,
                                                    bool has_bias) {
  // create_graph: the fp32 path's differentiable backward, on the same saved fp32 x and W.
  if (torch::GradMode::is_enabled()) return linear_backward(ctx, grad, has_bias);
  const torch::Tensor gy = grad.contiguous();
  torch::Tensor gx, gw, gb;
  const torch::Tensor xb = ctx->saved_data["xb"].toTensor(), wb = ctx->saved_data["wb"].toTensor();
  const int64_t n = xb.size(0), in = xb.size(1), out = wb.size(0);
  const torch::Tensor gyb = gy.to(torch::kBFloat16);
  if (ctx->needs_input_grad(0)) {  // [N, in] = gy [N, out] W [out, in]
    gx = torch::empty({n, in}, gy.options());
    gemm_bf16(false, false, n, in, out, gyb, out, wb, in, 0, gx.data_ptr<float>(), in);
  }
  if (ctx->needs_input_grad(1)) {  // [out, in] = gy^T x
    gw = torch::empty({out, in}, gy.options());
    gemm_bf16(true, false, out, in, n, gyb, out, xb, in, 0, gw.data_ptr<float>(), in);
  }
  if (has_bias && ctx->needs_input_grad(2)) gb = column_sums(gy);
  if (has_bias) return {gx, gw, gb};
  return {gx, gw};
}

struct LinearBf16Function : torch::autograd::Function<LinearBf16Function> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
    return linear_bf16_save(ctx, x, w, b.contiguous());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return linear_bf16_backward(ctx, grads[0], true);
  }
};

struct LinearBf16NoBiasFunction : torch::autograd::Function<LinearBf16NoBiasFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w) {
    return linear_bf16_save(ctx, x, w, torch::Tensor());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return linear_bf16_backward(ctx, grads[0], false);
  }
};

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc) {
  const SgemmFn fn = onednn_sgemm();
  TORCH_CHECK(fn, "sgemm: oneDNN's dnnl_sgemm is not available");
  const int status = fn(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  TORCH_CHECK(status == 0, "dnnl_sgemm failed with status ", status);
}

std::string gemm_kernel() { return onednn_sgemm() ? "onednn" : "libtorch"; }

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const bool track = torch::GradMode::is_enabled() &&
                     (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (bf16_path(x, weight, bias)) {
    if (!track)
      return linear_bf16_forward(x.to(torch::kBFloat16).contiguous(), weight.to(torch::kBFloat16).contiguous(),
                                 bias.defined() ? bias.contiguous() : bias);
    return bias.defined() ? LinearBf16Function::apply(x, weight, bias) : LinearBf16NoBiasFunction::apply(x, weight);
  }
  if (!fast_path(x, weight, bias)) return torch::linear(x, weight, bias);
  const torch::Tensor xc = x.contiguous(), wc = weight.contiguous(), bc = bias.defined() ? bias.contiguous() : bias;
  if (!track) return linear_forward(xc, wc, bc);
  return bc.defined() ? LinearFunction::apply(xc, wc, bc) : LinearNoBiasFunction::apply(xc, wc);
}

torch::Tensor fast_tanh(const torch::Tensor& x) {
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat32 || x.is_sparse() || x._fw_grad(0).defined())
    return torch::tanh(x);
  if (torch::GradMode::is_enabled() && x.requires_grad()) return TanhFunction::apply(x);
  return tanh_forward(x);
}

LinearImpl::LinearImpl(const torch::nn::Linear& reference) {
  weight = register_parameter("weight", reference->weight);
  if (reference->options.bias()) bias = register_parameter("bias", reference->bias);
}

void LinearImpl::pretty_print(std::ostream& stream) const {
  stream << "ganforge::models::Linear(in_features=" << weight.size(1) << ", out_features=" << weight.size(0)
         << ", bias=" << (bias.defined() ? "true" : "false") << ")";
}

namespace {

// y = A^T x, A the convolution with `weight` [in, out, k, k] read as a conv2d weight (out -> in channels).
struct TransposedConvolution : torch::autograd::Function<TransposedConvolution> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               int64_t stride, int64_t padding) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    const int64_t k_h = w.size(2), k_w = w.size(3);
    // convolution_backward reads only the sizes of the convolution's input: an uninitialized tensor of the
    // transposed convolution's output shape.
    const auto shape = torch::empty({x.size(0), w.size(1), (x.size(2) - 1) * stride - 2 * padding + k_h,
                                     (x.size(3) - 1) * stride - 2 * padding + k_w},
                                    x.options());
    return std::get<0>(at::convolution_backward(x, shape, w, c10::nullopt, {stride, stride}, {padding, padding},
                                                {1, 1}, false, {0, 0}, 1, {true, false, false}));
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &w = saved[1], &gy = grads[0];
    const int64_t stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
    torch::Tensor gx, gw;
    if (ctx->needs_input_grad(0)) gx = at::conv2d(gy, w, {}, stride, padding);
    // <A^T x, gy> = <x, A gy>: the weight gradient of the convolution of gy whose output gradient is x.
    if (ctx->needs_input_grad(1))
      gw = std::get<1>(at::convolution_backward(x, gy, w, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
                                                false, {0, 0}, 1, {false, true, false}));
    return {gx, gw, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t stride, int64_t padding) {
  // One output channel (a grayscale G's last layer): oneDNN's input gradient for a single-channel
  // convolution input is 10-20x slower than LibTorch's own kernel (measured, batch 64 and 1,024, 64 -> 1
  // channels, 14 -> 28 pixels), the other way round from every other shape.
  // GANFORGE_CONV_TRANSPOSE=libtorch: LibTorch's kernel everywhere, for measuring what this one contributes.
  static const bool stock = [] {
    const char* v = std::getenv("GANFORGE_CONV_TRANSPOSE");
    return v && std::string(v) == "libtorch";
  }();
  if (stock || weight.size(1) == 1) return torch::conv_transpose2d(x, weight, bias, stride, padding);
  // Under bf16 autocast, cast as autocast casts torch::conv_transpose2d (it does not see this function): bf16
  // input, weight and bias, a bf16 output; the casts are differentiable, so the gradients reach the fp32
  // parameters in fp32.
  torch::Tensor xi = x, wi = weight, bi = bias;
  if (precision::autocast_on()) {
    xi = x.to(torch::kBFloat16), wi = weight.to(torch::kBFloat16);
    if (bias.defined()) bi = bias.to(torch::kBFloat16);
  }
  torch::Tensor y = TransposedConvolution::apply(xi, wi, stride, padding);
  return bi.defined() ? y + bi.view({1, -1, 1, 1}) : y;
}

ConvTranspose2dImpl::ConvTranspose2dImpl(const torch::nn::ConvTranspose2dOptions& o)
    : stride(o.stride()->at(0)), padding(o.padding()->at(0)) {
  TORCH_CHECK(o.groups() == 1 && o.dilation()->at(0) == 1 && o.dilation()->at(1) == 1 &&
                  o.output_padding()->at(0) == 0 && o.output_padding()->at(1) == 0 &&
                  o.stride()->at(0) == o.stride()->at(1) && o.padding()->at(0) == o.padding()->at(1),
              "ConvTranspose2d: only square strides and padding, no groups, dilation or output padding");
  torch::nn::ConvTranspose2d reference(o);  // PyTorch's initialization, drawn the same way
  weight = register_parameter("weight", reference->weight);
  if (o.bias()) bias = register_parameter("bias", reference->bias);
}

torch::Tensor ConvTranspose2dImpl::forward(const torch::Tensor& x) { return conv_transpose2d(x, weight, bias, stride, padding); }

torch::Tensor MaxoutImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) % pieces_ == 0, "Maxout: expected [N, units * ", pieces_, "], got ",
              x.sizes());
  return std::get<0>(x.view({x.size(0), x.size(1) / pieces_, pieces_}).max(2));
}

torch::Tensor MinibatchStdImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(0);
  int64_t g = std::min(group_, n);
  while (n % g != 0) --g;
  const int64_t m = n / g;
  std::vector<int64_t> grouped = {g, m};
  grouped.insert(grouped.end(), x.sizes().begin() + 1, x.sizes().end());
  const torch::Tensor y = x.reshape(grouped);                                   // [G, M, ...]
  const torch::Tensor var = (y - y.mean(0, true)).pow(2).mean(0);                // [M, ...]
  const torch::Tensor s = (var + 1e-8).sqrt().flatten(1).mean(1);                // [M]
  std::vector<int64_t> one(x.dim(), 1);
  one[0] = n;                                                                    // [N, 1, (1, 1)]
  std::vector<int64_t> plane = x.sizes().vec();
  plane[1] = 1;                                                                  // [N, 1, (H, W)]
  // Sample n = i * M + j is in group j: s repeated G times puts s[j] at n.
  return torch::cat({x, s.repeat({g}).view(one).expand(plane)}, 1);
}

void push_layer(torch::nn::Sequential& seq, torch::nn::Conv2d layer, bool spectral) {
  if (spectral)
    seq->push_back(SpectralNorm(layer));
  else
    seq->push_back(layer);
}

void push_layer(torch::nn::Sequential& seq, torch::nn::Linear layer, bool spectral) {
  if (spectral)
    seq->push_back(SpectralNorm(layer));
  else
    seq->push_back(Linear(layer));
}

torch::nn::Sequential without_last_layer(const torch::nn::SequentialImpl& seq) {
  torch::nn::Sequential out;
  auto layer = seq.begin();
  for (size_t i = 0; i + 1 < seq.size(); ++i, ++layer) out->push_back(*layer);
  return out;
}

void push_activation(torch::nn::Sequential& seq, const std::string& name, double leaky_slope) {
  if (name == "relu")
    seq->push_back(torch::nn::ReLU());
  else if (name == "leaky_relu")
    seq->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(leaky_slope)));
  else if (name == "elu")
    seq->push_back(torch::nn::ELU());
  else if (name == "tanh")
    seq->push_back(Tanh());
  else
    throw UserError("unknown activation '" + name + "'");
}

void init_weights(torch::nn::Module& m, const std::string& scheme) {
  if (scheme == "torch") return;
  torch::NoGradGuard no_grad;
  for (auto& p : m.named_parameters()) {
    const bool is_bias = p.key().size() >= 4 && p.key().compare(p.key().size() - 4, 4, "bias") == 0;
    torch::Tensor t = p.value();
    if (is_bias) {
      t.zero_();
    } else if (t.dim() >= 2) {  // Linear, Conv and ConvTranspose weights
      if (scheme == "glorot")
        torch::nn::init::xavier_uniform_(t);
      else
        t.normal_(0.0, 0.02);
    } else if (scheme == "dcgan") {  // a 1-d weight is a BatchNorm scale
      t.normal_(1.0, 0.02);
    }
  }
}

}  // namespace ganforge::models
