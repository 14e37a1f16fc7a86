#include "ganforge/dist/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ganforge/core/error.h"

namespace ganforge::dist {
namespace {

int integer(const Getenv& getenv, const char* name, int lo, int hi, std::optional<int> fallback = std::nullopt) {
  const char* v = getenv(name);
  if (v == nullptr || *v == '\0') {
    if (fallback) return *fallback;
    throw UserError(std::string("distributed launch: ") + name + " is not set (launch with torchrun, or set RANK, " +
                    "WORLD_SIZE, MASTER_ADDR and MASTER_PORT)");
  }
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < lo || n > hi)
    throw UserError(std::string("distributed launch: ") + name + "=" + v + " is not an integer in [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(n);
}

}  // namespace

std::optional<Launch> launch_from_env(const Getenv& getenv) {
  if (getenv("RANK") == nullptr && getenv("WORLD_SIZE") == nullptr) return std::nullopt;
  Launch l;
  l.world = integer(getenv, "WORLD_SIZE", 1, 1 << 20);
  l.rank = integer(getenv, "RANK", 0, l.world - 1);
  l.local_rank = integer(getenv, "LOCAL_RANK", 0, l.world - 1, l.rank);
  l.local_world = integer(getenv, "LOCAL_WORLD_SIZE", 1, l.world, l.world);
  l.restart_count = integer(getenv, "TORCHELASTIC_RESTART_COUNT", 0, 1 << 20, 0);
  l.max_restarts = integer(getenv, "TORCHELASTIC_MAX_RESTARTS", 0, 1 << 20, 0);
  const char* agent = getenv("TORCHELASTIC_USE_AGENT_STORE");
  l.agent_store = agent != nullptr && std::string(agent) == "True";
  if (!l.distributed()) return l;
  const char* addr = getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0')
    throw UserError("distributed launch: WORLD_SIZE=" + std::to_string(l.world) +
                    " but MASTER_ADDR is not set (launch with torchrun, or set MASTER_ADDR and MASTER_PORT)");
  l.master_addr = addr;
  l.master_port = integer(getenv, "MASTER_PORT", 1, 65535);
  return l;
}

std::optional<Launch> launch_from_env() {
  return launch_from_env([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

std::string launcher_path() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (size_t i = 0; i <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', i), dirs.size());
    const std::string candidate = (end > i ? dirs.substr(i, end - i) : std::string(".")) + "/torchrun";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    i = end + 1;
  }
  return "";
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw UserError(std::string("train --nproc: no socket for the rendezvous: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw UserError(std::string("train --nproc: no free local port for the rendezvous: ") + std::strerror(errno));
  return ntohs(a.sin_port);
}

std::vector<std::string> torchrun_argv(int nproc, int max_restarts, int port, const std::string& self,
                                       const std::vector<std::string>& args) {
  const std::string endpoint = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {"torchrun", "--nnodes", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint", endpoint,
                                   "--rdzv_id", "ganforge-" + std::to_string(port),
                                   "--nproc_per_node", std::to_string(nproc),
                                   "--max_restarts", std::to_string(max_restarts),
                                   "--redirects", "1", "--tee", "1", "--monitor_interval", "0.5",
                                   "--no_python", self, "train"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> without_option(const std::vector<std::string>& args, const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name) {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind(name + "=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

}  // namespace ganforge::dist
