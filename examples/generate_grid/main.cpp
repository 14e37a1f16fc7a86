// generate_grid RUN_DIR OUT.png [N] [SEED]: the run's generator (EMA when kept) writes an N-image grid, the
// same images `ganforge sample --run RUN_DIR --n N --seed SEED --out OUT.png` writes.
#include <cstdio>
#include <string>

#include <ganforge/core/error.h>
#include <ganforge/io/grid.h>
#include <ganforge/run/snapshot.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RUN_DIR OUT.png [N] [SEED]\n", argv[0]);
    return 2;
  }
  try {
    ganforge::run::GeneratorSnapshot g = ganforge::run::load_snapshot(argv[1], "");
    const int64_t n = argc > 3 ? std::stoll(argv[3]) : 64;
    const int64_t seed = argc > 4 ? std::stoll(argv[4]) : 0;
    const torch::Tensor images = ganforge::run::generate(g, n, seed);  // [N, C, H, W] in [-1, 1]
    ganforge::grid::write_png(argv[2], images);
    std::printf("%lld images of step %lld -> %s\n", static_cast<long long>(n), static_cast<long long>(g.step), argv[2]);
  } catch (const ganforge::UserError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
