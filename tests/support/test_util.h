// Helpers shared by the tests: temporary directories, fixtures, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace ganforge::test {

// A fresh directory removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ganforge-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string source_dir() { return GANFORGE_SOURCE_DIR; }

inline nlohmann::json fixtures() {
  std::ifstream in(source_dir() + "/tests/reference/fixtures.json");
  EXPECT_TRUE(in.good()) << "missing tests/reference/fixtures.json";
  return nlohmann::json::parse(in);
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Run the ganforge CLI (path from $GANFORGE_BIN, set by CTest) with `args` appended; `env` ("NAME=value ")
// is put before the command for the shell.
inline CommandResult run_cli(const std::string& args, const std::string& env = "") {
  const char* bin = std::getenv("GANFORGE_BIN");
  CommandResult r;
  if (!bin) {
    r.output = "GANFORGE_BIN is not set (run the tests through ctest)";
    return r;
  }
  const std::string cmd = env + std::string(bin) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// A short training run through the CLI: configs/<config>.toml for `steps` steps into `run`, without
// intermediate sample grids, quiet; `sets` adds "--set key=value" arguments, `env` as for run_cli.
inline CommandResult train_short(const std::string& config, int steps, const std::string& run,
                                 const std::string& sets = "", const std::string& env = "") {
  return run_cli("train --config " + source_dir() + "/configs/" + config + ".toml --set train.steps=" +
                     std::to_string(steps) + " --set train.sample_every=0 " + sets + " --out " + run + " --quiet",
                 env);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last line of `output` that starts with '{' (a --json result after progress lines), parsed.
inline nlohmann::json last_json_line(const std::string& output) {
  size_t p = output.rfind("\n{");
  p = p == std::string::npos ? (output.rfind('{', 0) == 0 ? 0 : std::string::npos) : p + 1;
  EXPECT_NE(p, std::string::npos) << "no JSON line in: " << output;
  if (p == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(output.substr(p, output.find('\n', p) - p));
}

inline size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace ganforge::test
