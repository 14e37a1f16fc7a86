// The HTTP side of `ganforge serve`: routes, the token, limits and the live stream.
#include "ganforge/serve/server.h"

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "ganforge/core/error.h"
#include "ganforge/core/test_hooks.h"
#include "ganforge/io/gif.h"
#include "ganforge/io/png.h"
#include "ganforge/run/layout.h"
#include "ganforge/serve/assets.h"
#include "ganforge/serve/runs.h"

namespace ganforge::serve {
namespace {

using httplib::Request;
using httplib::Response;

void send_json(Response& res, const nlohmann::json& j, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(j.dump(), "application/json");
}

void send_error(Response& res, int status, const std::string& message) { send_json(res, {{"error", message}}, status); }

// An integer query parameter in [lo, hi]; absent: `fallback`. Anything else: UserError naming it (400).
int64_t int_param(const Request& req, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size()) throw UserError(std::string("parameter ") + name + " must be an integer");
  if (x < lo || x > hi)
    throw UserError(std::string("parameter ") + name + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

// The state shared by every handler.
struct Site {
  ServeOptions opts;
  RunsFolder runs;
  Generators& generators;
  std::atomic<int64_t> sampling{0};
  std::atomic<int64_t> live{0};
  std::atomic<bool> stopping{false};
  SummaryCache summaries;

  Site(const ServeOptions& o, Generators& g) : opts(o), runs(o.runs), generators(g) {}

  // The run a request names in its first path match, or 404 sent and "".
  std::string run_of(const Request& req, Response& res) const {
    const std::string dir = runs.resolve(req.matches[1]);
    if (dir.empty()) send_error(res, 404, "no run named '" + std::string(req.matches[1]) + "' in " + opts.runs);
    return dir;
  }
  // The checkpoint a request names (?checkpoint=step-N.pt|best.pt; default: the newest step checkpoint).
  std::string checkpoint_of(const Request& req, const std::string& dir) const {
    const std::string name = req.has_param("checkpoint") ? req.get_param_value("checkpoint") : "";
    if (name.empty()) {
      const auto all = run::Layout(dir).checkpoints();
      if (all.empty()) throw UserError("the run holds no checkpoint yet");
      return all.back();
    }
    const std::string path = checkpoint_path(dir, name);
    if (path.empty()) throw UserError("no checkpoint named '" + name + "' in this run");
    return path;
  }
};

// Counts a request in `counter` while it lives; `ok` is false when the limit was reached.
class Slot {
 public:
  Slot(std::atomic<int64_t>& counter, int64_t limit) : counter_(counter) { ok = ++counter_ <= limit; }
  ~Slot() { --counter_; }
  bool ok;

 private:
  std::atomic<int64_t>& counter_;
};

bool authorized(const Site& site, const Request& req) {
  if (site.opts.token.empty()) return true;
  if (req.has_param("token") && req.get_param_value("token") == site.opts.token) return true;
  return req.get_header_value("Authorization") == "Bearer " + site.opts.token;
}

const char* const kTranslatePath = R"(/api/runs/([^/]+)/translate)";

void add_static(httplib::Server& svr) {
  svr.Get("/", [](const Request&, Response& res) {
    const Asset* a = find_asset("index.html");
    res.set_content(a->data, a->size, a->type);
  });
  svr.Get(R"(/static/([A-Za-z0-9_.\-]+))", [](const Request& req, Response& res) {
    const Asset* a = find_asset(req.matches[1]);
    if (!a) return send_error(res, 404, "no such file");
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(a->data, a->size, a->type);
  });
}

// The summary (from the cache the runs list uses: the page asks for this after every change of the run it
// shows) and what only the focused run needs.
nlohmann::json run_details(SummaryCache& summaries, const std::string& dir, const std::string& name) {
  nlohmann::json j = summaries.get(dir, name);
  j["status"] = read_status(dir);
  j["grid_steps"] = sample_steps(dir);
  j["checkpoint_list"] = checkpoint_list(dir);
  j["config_text"] = read_config_text(dir);
  return j;
}

void add_run_files(httplib::Server& svr, Site& site) {
  svr.Get("/api/runs", [&site](const Request&, Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& name : site.runs.names()) {
      const std::string dir = site.runs.resolve(name);
      if (!dir.empty()) list.push_back(site.summaries.get(dir, name));  // a run deleted meanwhile is left out
    }
    send_json(res, {{"runs", list}, {"root", site.opts.runs}});
  });
  svr.Get(R"(/api/runs/([^/]+))", [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (!dir.empty()) send_json(res, run_details(site.summaries, dir, req.matches[1]));
  });
  svr.Get(R"(/api/runs/([^/]+)/(metrics|evals))", [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (dir.empty()) return;
    const run::Layout run(dir);
    const int64_t since = int_param(req, "since", 0, 0, INT64_MAX);
    const JsonlChunk c = read_jsonl(req.matches[2] == "metrics" ? run.metrics() : run.eval_log(), since);
    send_json(res, {{"lines", c.lines}, {"next", c.next}, {"reset", c.reset}, {"skipped", c.skipped}});
  });
  svr.Get(R"(/api/runs/([^/]+)/grid/(\d{1,12})\.png)", [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (dir.empty()) return;
    std::ifstream in(run::Layout(dir).grid(std::stoll(req.matches[2])), std::ios::binary);
    if (!in) return send_error(res, 404, "no grid at step " + std::string(req.matches[2]));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    res.set_header("Cache-Control", "max-age=60");
    res.set_content(bytes, "image/png");
  });
}

// Up to `max_frames` grids of the run, evenly spaced, oldest first, all of the newest grid's size.
std::vector<png::Image> grid_frames(const std::string& dir, int64_t max_frames) {
  const std::vector<int64_t> steps = sample_steps(dir);
  if (steps.empty()) throw UserError("the run has no sample grids yet");
  std::vector<int64_t> pick;
  const int64_t n = static_cast<int64_t>(steps.size());
  const int64_t k = std::min(n, max_frames);
  for (int64_t i = 0; i < k; ++i) pick.push_back(steps[static_cast<size_t>(k == 1 ? n - 1 : i * (n - 1) / (k - 1))]);
  std::vector<png::Image> frames;
  for (int64_t s : pick) frames.push_back(png::read(run::Layout(dir).grid(s)));
  std::vector<png::Image> same;
  for (auto& f : frames)
    if (f.width == frames.back().width && f.height == frames.back().height && f.channels == frames.back().channels)
      same.push_back(std::move(f));
  return same;
}

png::Image strip(const std::vector<png::Image>& frames) {
  png::Image out;
  out.height = frames[0].height;
  out.channels = frames[0].channels;
  out.width = static_cast<uint32_t>(frames.size()) * frames[0].width;
  out.data.resize(static_cast<size_t>(out.width) * out.height * out.channels);
  const size_t row = static_cast<size_t>(frames[0].width) * out.channels;
  for (size_t f = 0; f < frames.size(); ++f)
    for (uint32_t y = 0; y < out.height; ++y)
      std::copy_n(&frames[f].data[y * row], row, &out.data[(y * frames.size() + f) * row]);
  return out;
}

void add_exports(httplib::Server& svr, Site& site) {
  svr.Get(R"(/api/runs/([^/]+)/grids\.(gif|png))", [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (dir.empty()) return;
    Slot slot(site.sampling, site.opts.limits.max_sampling);
    if (!slot.ok) return send_error(res, 429, "busy: too many image requests at once; try again");
    const bool gif_out = req.matches[2] == "gif";
    const auto frames = grid_frames(dir, int_param(req, "frames", gif_out ? 50 : 10, 1, gif_out ? 200 : 20));
    const int delay = static_cast<int>(int_param(req, "delay_cs", 30, 2, 500));
    const std::vector<uint8_t> bytes = gif_out ? gif::encode(frames, delay) : png::encode(strip(frames));
    res.set_header("Content-Disposition", std::string("attachment; filename=\"") + std::string(req.matches[1]) +
                                               "-grids." + std::string(req.matches[2]) + "\"");
    res.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), gif_out ? "image/gif" : "image/png");
  });
}

void add_sampling(httplib::Server& svr, Site& site) {
  svr.Get(R"(/api/runs/([^/]+)/(sample|interpolate|toy))", [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (dir.empty()) return;
    const Limits& lim = site.opts.limits;
    const std::string checkpoint = site.checkpoint_of(req, dir);
    const int64_t seed = int_param(req, "seed", 0, 0, INT64_MAX / 2);
    const int64_t label = int_param(req, "label", -1, -1, 100000);
    const std::string what = req.matches[2];
    // Parameters are checked before a slot is taken, so that a bad request is a 400 even when busy.
    const int64_t n = int_param(req, "n", what == "toy" ? 2000 : 64, 1, what == "toy" ? lim.max_points : lim.max_images);
    const int64_t res_cells = int_param(req, "resolution", 64, 8, lim.max_resolution);
    const int64_t seed_b = int_param(req, "seed_b", seed + 1, 0, INT64_MAX / 2);
    const int64_t steps = int_param(req, "steps", 8, 2, lim.max_interpolation_steps);
    const int64_t rows = int_param(req, "rows", 1, 1, lim.max_images);
    if (what == "interpolate" && rows * steps > lim.max_images)
      throw UserError("rows x steps must be at most " + std::to_string(lim.max_images) + " images");
    Slot slot(site.sampling, lim.max_sampling);
    if (!slot.ok) return send_error(res, 429, "busy: " + std::to_string(lim.max_sampling) + " sampling requests are running; try again");
    if (test_hooks::armed("slow_sampling", "1")) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (what == "toy") return send_json(res, site.generators.toy(checkpoint, n, seed, res_cells));
    const bool spherical = req.get_param_value("mode") != "linear";
    const std::vector<uint8_t> png = what == "sample" ? site.generators.grid(checkpoint, n, seed, label)
                                                      : site.generators.interpolation(checkpoint, seed, seed_b, rows, steps, spherical, label);
    res.set_header("Cache-Control", "no-store");
    res.set_content(reinterpret_cast<const char*>(png.data()), png.size(), "image/png");
  });
}

// Every run's signature (serve/runs.h), with its name.
std::map<std::string, nlohmann::json> signatures(const RunsFolder& runs) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& name : runs.names()) {
    const std::string dir = runs.resolve(name);
    if (dir.empty()) continue;
    nlohmann::json sig = run_signature(dir);
    sig["run"] = name;
    out[name] = std::move(sig);
  }
  return out;
}

// The one endpoint that takes a body: a drawing (PNG or JPEG bytes) for an image-to-image run, answered with
// (sketch | translation) as `ganforge translate --pairs` writes it. Nothing is stored.
void add_translation(httplib::Server& svr, Site& site) {
  svr.Post(kTranslatePath, [&site](const Request& req, Response& res) {
    const std::string dir = site.run_of(req, res);
    if (dir.empty()) return;
    const std::string checkpoint = site.checkpoint_of(req, dir);
    if (req.body.empty()) throw UserError("POST the drawing (a PNG or JPEG file) as the request body");
    Slot slot(site.sampling, site.opts.limits.max_sampling);
    if (!slot.ok) return send_error(res, 429, "busy: too many sampling requests at once; try again");
    const std::vector<uint8_t> png =
        site.generators.translation(checkpoint, std::vector<uint8_t>(req.body.begin(), req.body.end()));
    res.set_header("Cache-Control", "no-store");
    res.set_content(reinterpret_cast<const char*>(png.data()), png.size(), "image/png");
  });
}

void add_live(httplib::Server& svr, Site& site) {
  svr.Get("/api/live", [&site](const Request&, Response& res) {
    auto slot = std::make_shared<Slot>(site.live, site.opts.limits.max_live);
    if (!slot->ok) return send_error(res, 503, "too many live connections");
    auto seen = std::make_shared<std::map<std::string, nlohmann::json>>();
    auto last_beat = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider("text/event-stream", [&site, slot, seen, last_beat](size_t, httplib::DataSink& sink) {
      if (site.stopping) return false;
      auto now = signatures(site.runs);
      std::string out;
      for (const auto& [name, sig] : now)
        if (!seen->count(name) || (*seen)[name] != sig) out += "event: run\ndata: " + sig.dump() + "\n\n";
      for (const auto& [name, sig] : *seen)
        if (!now.count(name)) out += "event: gone\ndata: " + nlohmann::json({{"run", name}}).dump() + "\n\n";
      *seen = std::move(now);
      const auto t = std::chrono::steady_clock::now();
      if (out.empty() && t - *last_beat > std::chrono::seconds(10)) out = ": alive\n\n";
      if (!out.empty()) {
        *last_beat = t;
        if (!sink.write(out.data(), out.size())) return false;
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(site.opts.poll_s));
      return sink.is_writable();
    });
  });
}

void configure(httplib::Server& svr, Site& site) {
  const Limits& lim = site.opts.limits;
  svr.new_task_queue = [n = lim.threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  svr.set_payload_max_length(static_cast<size_t>(std::max(lim.max_request_bytes, lim.max_drawing_bytes)));
  // SO_REUSEADDR only: cpp-httplib's default, SO_REUSEPORT, lets a second server bind a port in use and
  // share its connections without a word.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_pre_routing_handler([&site](const Request& req, Response& res) {
    const bool drawing = req.method == "POST" && std::regex_match(req.path, std::regex(kTranslatePath));
    if (req.method != "GET" && req.method != "HEAD" && !drawing) {
      send_error(res, 405, "read-only: only GET (and POST of a drawing to /api/runs/RUN/translate)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!drawing && static_cast<int64_t>(req.body.size()) > site.opts.limits.max_request_bytes) {
      send_error(res, 413, "request body too large");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (authorized(site, req)) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, 401, "a token is required: open the URL `ganforge serve` printed");
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const UserError& e) {
      send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  });
  svr.set_error_handler([](const Request&, Response& res) {
    if (res.body.empty()) send_error(res, res.status, res.status == 404 ? "not found" : "error");
  });
}

}  // namespace

std::string random_token() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char b[16];
  if (!in.read(reinterpret_cast<char*>(b), sizeof(b))) throw UserError("cannot read /dev/urandom for a token");
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char c : b) t += {hex[c >> 4], hex[c & 15]};
  return t;
}

void serve(const ServeOptions& opts, Generators& generators, const std::function<void(const std::string&)>& ready,
           const std::atomic<bool>* stop) {
  Site site(opts, generators);
  httplib::Server svr;
  configure(svr, site);
  add_static(svr);
  add_run_files(svr, site);
  add_exports(svr, site);
  add_sampling(svr, site);
  add_translation(svr, site);
  add_live(svr, site);
  // SIGINT/SIGTERM are taken by a watcher thread (sigtimedwait), not a handler: the server's threads never
  // see them, and stopping happens outside a signal context.
  sigset_t sigs, old;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, &old);
  int port = opts.port;
  const bool bound = port == 0 ? (port = svr.bind_to_any_port(opts.host)) > 0 : svr.bind_to_port(opts.host, port);
  if (!bound) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw UserError("cannot listen on " + opts.host + ":" + std::to_string(opts.port) + " (in use, or not an address of this machine)");
  }
  std::atomic<bool> listening_ended{false};
  std::thread watcher([&] {
    const timespec tick{0, 200000000};
    while (!(stop && stop->load()) && !listening_ended) {
      if (sigtimedwait(&sigs, nullptr, &tick) > 0) break;
    }
    site.stopping = true;
    svr.stop();
  });
  const std::string host = opts.host == "0.0.0.0" ? "127.0.0.1" : opts.host;
  ready("http://" + host + ":" + std::to_string(port) + "/" + (opts.token.empty() ? "" : "?token=" + opts.token));
  svr.listen_after_bind();
  listening_ended = true;
  watcher.join();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace ganforge::serve
