// `ganforge serve`: the dashboard of a folder of runs over HTTP (cpp-httplib), live while they train. It only
// reads the files runs already write (serve/runs.h), so training never waits for it; sampling from a
// generator goes through `Generators`, which the LibTorch part of the program provides.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ganforge::serve {

struct Limits {
  int64_t max_images = 256;           // images per sampling request (grid n, interpolation rows x steps)
  int64_t max_interpolation_steps = 16;
  int64_t max_points = 20000;         // generated points per 2D request
  int64_t max_resolution = 128;       // decision-surface cells per side
  int64_t max_sampling = 2;           // sampling requests at once; more get 429
  int64_t max_live = 32;              // live (server-sent events) connections at once; more get 503
  int64_t max_request_bytes = 16384;  // request body of a GET
  int64_t max_drawing_bytes = 8 << 20;  // a drawing POSTed to an image-to-image run's translate endpoint
  int64_t threads = 64;               // HTTP worker threads
};

struct ServeOptions {
  std::string runs = "runs";
  std::string host = "127.0.0.1";
  int port = 6006;  // 0: any free port
  std::string token;  // "" on 127.0.0.1: none; required (or generated) on any other address
  double poll_s = 0.5;  // how often the live stream looks at the files
  Limits limits;
};

// What needs LibTorch: drawing from a checkpoint's generator (serve/generators.cpp). Every method may throw
// UserError (a bad checkpoint or label: 400).
class Generators {
 public:
  virtual ~Generators() = default;
  // The grid `ganforge sample --checkpoint C --n N --seed S [--label L]` writes, as PNG bytes.
  virtual std::vector<uint8_t> grid(const std::string& checkpoint, int64_t n, int64_t seed, int64_t label) = 0;
  // `rows` rows from z(seed_a + r) to z(seed_b + r) in `steps` steps (the ends are image 0 of `sample --seed`
  // for those seeds), linearly or along the great circle (spherical).
  virtual std::vector<uint8_t> interpolation(const std::string& checkpoint, int64_t seed_a, int64_t seed_b,
                                             int64_t rows, int64_t steps, bool spherical, int64_t label) = 0;
  // 2D runs: real points, `n` generated ones (seed), D's probability that a point is real on a `resolution`^2
  // grid over the plotted extent, and the mode coverage of the generated points.
  virtual nlohmann::json toy(const std::string& checkpoint, int64_t n, int64_t seed, int64_t resolution) = 0;
  // Image-to-image runs: a drawing's bytes (PNG or JPEG, as `ganforge translate --pairs` reads them) as the
  // PNG (sketch as the model sees it | translation). UserError for a bad drawing or a run that samples noise.
  virtual std::vector<uint8_t> translation(const std::string& checkpoint, const std::vector<uint8_t>& drawing) = 0;
};

// Serves until `stop` becomes true (checked every 200 ms) or SIGINT/SIGTERM. `ready` is called with the
// URL once the port is bound. UserError for a bad runs folder, a port in use or a missing token.
void serve(const ServeOptions& opts, Generators& generators, const std::function<void(const std::string&)>& ready,
           const std::atomic<bool>* stop = nullptr);

// A random 32-hex-digit token (from /dev/urandom).
std::string random_token();

}  // namespace ganforge::serve
