#include <cstdio>

#include "commands.h"
#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/serve/generators.h"
#include "ganforge/serve/report.h"
#include "ganforge/serve/server.h"

namespace ganforge::cli {

void add_serve(CLI::App& app) {
  auto o = std::make_shared<serve::ServeOptions>();
  auto cache = std::make_shared<int64_t>(4);
  CLI::App* cmd = app.add_subcommand("serve", "serve a live dashboard of the runs in a folder (http://127.0.0.1:6006/)");
  cmd->add_option("--runs", o->runs, "folder whose subfolders are runs")->capture_default_str();
  cmd->add_option("--host", o->host, "address to listen on (other than 127.0.0.1: a token is required)")->capture_default_str();
  cmd->add_option("--port", o->port, "port (0: any free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--token", o->token, "token every request must carry (?token= or Authorization: Bearer)");
  cmd->add_option("--max-images", o->limits.max_images, "images per sampling request")->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--max-sampling", o->limits.max_sampling, "sampling requests at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--cache", *cache, "checkpoints kept loaded for sampling")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->callback([o, cache]() {
    const bool loopback = o->host == "127.0.0.1" || o->host == "localhost" || o->host == "::1";
    if (!loopback) {
      if (o->token.empty()) o->token = serve::random_token();
      std::fprintf(stderr, "serve: warning: listening on %s: anyone who can reach this machine can connect; "
                   "requests need the token\n", o->host.c_str());
    }
    auto generators = serve::make_generators(static_cast<size_t>(*cache));
    serve::serve(*o, *generators, [&](const std::string& url) {
      std::printf("serve: dashboard of %s at %s (Ctrl-C stops)\n", o->runs.c_str(), url.c_str());
      std::fflush(stdout);
    });
    std::printf("serve: stopped\n");
  });
}

void add_report(CLI::App& app) {
  auto run = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("report", "write one self-contained HTML report of a run (opens offline)");
  cmd->add_option("--run", *run, "run directory")->required();
  cmd->add_option("--out", *out, "HTML file to write")->required();
  cmd->callback([run, out]() {
    if (!fs::ends_with(*out, ".html")) throw UserError("--out " + *out + ": use a .html file name");
    fs::write_text_atomic(*out, serve::report_html(*run));
    std::printf("report: %s -> %s\n", run->c_str(), out->c_str());
  });
}

}  // namespace ganforge::cli
