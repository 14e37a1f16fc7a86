#include "ganforge/dist/team.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "ganforge/core/error.h"

namespace ganforge::dist {
namespace {

using Clock = std::chrono::steady_clock;

// c10d logs each failed connection attempt through glog on stderr; joining reports the outcome itself, on
// one line.
class QuietLogs {
 public:
  QuietLogs() : saved_(FLAGS_minloglevel) { FLAGS_minloglevel = google::GLOG_FATAL; }
  ~QuietLogs() { FLAGS_minloglevel = saved_; }

 private:
  int saved_;
};

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return one_line(c->what_without_backtrace());
  return one_line(e.what());
}

class GlooTeam : public train::Team {
 public:
  GlooTeam(const Launch& l, const TeamOptions& o) : launch_(l), bucket_bytes_(static_cast<int64_t>(o.bucket_mb * (1 << 20))) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
    const std::string where = l.master_addr + ":" + std::to_string(l.master_port);
    c10::intrusive_ptr<c10d::Store> store;
    const QuietLogs quiet;
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(l.master_port);
      so.isServer = !l.agent_store && l.rank == 0;
      so.numWorkers = l.world;
      so.waitWorkers = false;  // the process group's own rendezvous waits for every rank
      so.timeout = timeout;
      so.multiTenant = true;
      store = c10::make_intrusive<c10d::TCPStore>(l.master_addr, so);
      if (l.agent_store)
        store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(l.restart_count), store);
    } catch (const std::exception& e) {
      throw UserError(l.who() + ": could not reach the rendezvous store at " + where + " within " +
                      std::to_string(static_cast<int>(o.timeout_s)) + " s (" + message_of(e) + ")");
    }
    try {
      auto po = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      if (ifname != nullptr && *ifname != '\0')
        po->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else
        po->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      po->threads = 1;  // the calls are synchronous: one Gloo thread is enough
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, l.rank, l.world, po);
    } catch (const std::exception& e) {
      throw UserError(l.who() + ": the process group did not form within " +
                      std::to_string(static_cast<int>(o.timeout_s)) + " s through " + where +
                      " (are all " + std::to_string(l.world) + " ranks started?): " + message_of(e));
    }
  }

  int rank() const override { return launch_.rank; }
  int size() const override { return launch_.world; }

  void average(const std::vector<torch::Tensor>& tensors) override {
    size_t i = 0;
    while (i < tensors.size()) {
      size_t j = i + 1;
      int64_t n = tensors[i].numel();
      while (j < tensors.size() && (n + tensors[j].numel()) * 4 <= bucket_bytes_) n += tensors[j++].numel();
      std::vector<torch::Tensor> views;
      for (size_t k = i; k < j; ++k) views.push_back(tensors[k].reshape({-1}));
      torch::Tensor flat = torch::cat(views);
      TORCH_CHECK(flat.scalar_type() == torch::kFloat32, "Team::average takes float32 tensors");
      std::vector<torch::Tensor> io{flat};
      collective("allreduce", [&] { return pg_->allreduce(io); });
      flat.div_(size());
      int64_t off = 0;
      for (size_t k = i; k < j; ++k) {
        const int64_t m = tensors[k].numel();
        tensors[k].copy_(flat.narrow(0, off, m).view(tensors[k].sizes()));
        off += m;
      }
      averaged_ += n;
      i = j;
    }
  }

  void broadcast(const std::vector<torch::Tensor>& tensors) override {
    std::map<c10::ScalarType, std::vector<torch::Tensor>> by_type;
    for (const auto& t : tensors) by_type[t.scalar_type()].push_back(t);
    for (auto& [type, ts] : by_type) {
      std::vector<torch::Tensor> views;
      for (const auto& t : ts) views.push_back(t.reshape({-1}));
      std::vector<torch::Tensor> io{torch::cat(views)};
      collective("broadcast", [&] { return pg_->broadcast(io); });
      int64_t off = 0;
      for (auto& t : ts) {
        t.copy_(io[0].narrow(0, off, t.numel()).view(t.sizes()));
        off += t.numel();
      }
    }
  }

  std::string broadcast_bytes(const std::string& bytes) override {
    std::vector<torch::Tensor> size{torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64)};
    collective("broadcast", [&] { return pg_->broadcast(size); });
    const int64_t n = size[0].item<int64_t>();
    std::vector<torch::Tensor> data{torch::empty({std::max<int64_t>(n, 1)}, torch::kUInt8)};
    if (rank() == 0 && n > 0) std::memcpy(data[0].data_ptr(), bytes.data(), bytes.size());
    collective("broadcast", [&] { return pg_->broadcast(data); });
    return std::string(static_cast<const char*>(data[0].data_ptr()), static_cast<size_t>(n));
  }

  torch::Tensor allgather(const torch::Tensor& t) override {
    std::vector<torch::Tensor> in{t.contiguous()};
    std::vector<std::vector<torch::Tensor>> out(1);
    for (int r = 0; r < size(); ++r) out[0].push_back(torch::empty_like(in[0]));
    collective("allgather", [&] { return pg_->allgather(out, in); });
    return torch::stack(out[0]);
  }

  double communication_seconds() const override { return seconds_; }
  int64_t averaged_values() const override { return averaged_; }

 private:
  template <typename F>
  void collective(const char* what, F&& start) {
    const auto t0 = Clock::now();
    try {
      start()->wait();
    } catch (const std::exception& e) {
      throw TeamError(launch_.who() + ": " + what + " with the other ranks failed (a rank stopped, or the " +
                      "network failed): " + message_of(e));
    }
    seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
  }

  Launch launch_;
  int64_t bucket_bytes_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  double seconds_ = 0;
  int64_t averaged_ = 0;
};

}  // namespace

std::shared_ptr<train::Team> join(const Launch& launch, const TeamOptions& opts) {
  return std::make_shared<GlooTeam>(launch, opts);
}

}  // namespace ganforge::dist
