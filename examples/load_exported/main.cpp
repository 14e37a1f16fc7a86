// load_exported G.pt OUT.pgm|OUT.ppm [N]: a generator from `ganforge export`, run with LibTorch alone. Reads
// the metadata inside the file (ganforge.json), draws z ~ N(0, 1) (or U(-1, 1), as the file says), asks
// for class i % classes when the generator is conditional, and writes the N images side by side as a
// binary PGM (grey) or PPM (colour).
#include <torch/script.h>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s G.pt OUT.pgm|OUT.ppm [N]\n", argv[0]);
    return 2;
  }
  const int64_t n = argc > 3 ? std::stoll(argv[3]) : 8;
  torch::jit::ExtraFilesMap extra{{"ganforge.json", ""}};
  torch::jit::Module g;
  try {
    g = torch::jit::load(argv[1], c10::nullopt, extra);
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "%s: not a TorchScript file\n", argv[1]);
    return 2;
  }
  const int64_t z_dim = g.attr("z_dim").toInt(), classes = g.attr("classes").toInt();
  const int64_t channels = g.attr("channels").toInt();
  if (channels == 0) {
    std::fprintf(stderr, "%s: this generator makes 2D points, not images\n", argv[1]);
    return 2;
  }
  torch::manual_seed(0);
  const torch::Tensor z = g.attr("noise").toStringRef() == "uniform" ? torch::rand({n, z_dim}) * 2 - 1
                                                                      : torch::randn({n, z_dim});
  std::vector<c10::IValue> in = {z};
  if (classes > 0) in.push_back(torch::arange(n) % classes);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = g.forward(in).toTensor();  // [N, C, H, W] in [-1, 1]
  // Pixels as the metadata says: round((x + 1) * 127.5); images side by side: [H, N * W, C].
  const torch::Tensor pixels =
      x.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8).permute({2, 0, 3, 1}).reshape({x.size(2), -1, channels}).contiguous();
  std::ofstream out(argv[2], std::ios::binary);
  out << (channels == 1 ? "P5\n" : "P6\n") << pixels.size(1) << " " << pixels.size(0) << "\n255\n";
  out.write(reinterpret_cast<const char*>(pixels.data_ptr<uint8_t>()), pixels.numel());
  std::printf("%lld images %lldx%lldx%lld -> %s (metadata: %zu bytes of JSON)\n", static_cast<long long>(n),
              static_cast<long long>(channels), static_cast<long long>(x.size(2)), static_cast<long long>(x.size(3)),
              argv[2], extra["ganforge.json"].size());
  return out ? 0 : 1;
}
