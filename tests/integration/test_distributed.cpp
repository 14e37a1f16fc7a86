// Data-parallel training with real processes through the real launcher (torchrun, from python3-torch), in
// both of its rendezvous modes: --standalone (what `train --nproc N` runs) and the static
// --master_addr/--master_port mode of a multi-machine launch, whose two "machines" are two torchrun agents
// in separate folders (and, where this sandbox allows it, two network namespaces joined by a veth pair).
//   - 2 processes x batch B/2 train what 1 process x batch B trains (the same data order and noise by
//     design: every rank draws for the whole batch and keeps its slice), up to summation order;
//   - only rank 0 writes the run directory;
//   - a rank killed with SIGKILL under --max-restarts: the group restarts, resumes from the newest
//     checkpoint, and ends bitwise as the uninterrupted run (--deterministic);
//   - ranks whose weights diverge are stopped at the next checkpoint; bad launches give one clear line.
#include <torch/torch.h>

#include <arpa/inet.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ganforge/core/config.h"
#include "ganforge/run/layout.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "run_compare.h"
#include "test_util.h"

namespace ganforge {
namespace {

struct Shell {
  int exit_code = -1;
  std::string output;
  double seconds = 0;
};

Shell shell(const std::string& cmd) {
  const auto t0 = std::chrono::steady_clock::now();
  Shell r;
  FILE* p = ::popen(("(" + cmd + ") 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string bin() {
  const char* b = std::getenv("GANFORGE_BIN");
  return b ? b : "ganforge-not-set";
}

// A TCP port nobody listens on right now (bound to port 0, then released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// `train` arguments for a short deterministic run of configs/<config>.toml.
std::string train_args(const std::string& config, const std::vector<std::string>& sets, const std::string& out) {
  std::string args = "--config " + test::source_dir() + "/configs/" + config + ".toml --deterministic -q --out " + out;
  for (const auto& s : sets) args += " --set " + s;
  return args;
}

// The launcher in static rendezvous mode, one "machine" of `nodes`: what a user types on each node.
std::string static_node(int nodes, int node_rank, int nproc, const std::string& addr, int port,
                        const std::string& args, const std::string& extra = "") {
  return "torchrun --nnodes " + std::to_string(nodes) + " --node_rank " + std::to_string(node_rank) +
         " --nproc_per_node " + std::to_string(nproc) + " --master_addr " + addr + " --master_port " +
         std::to_string(port) + " --redirects 1 --tee 1 --monitor_interval 0.5 " + extra + " --no_python " + bin() +
         " train " + args;
}

// ||w_b - w_a|| / ||w_a - w_a0|| over every parameter of G and D: how far run b ended from run a, relative
// to how far run a moved from its start. Summation order alone gives ~1e-6; another seed gives ~1.
double divergence(const std::string& run_a, const std::string& run_b, int64_t step) {
  const run::Layout a(run_a), b(run_b);
  const auto info = run::read_checkpoint_info(a.checkpoint(step));
  const Config cfg = parse_config(info.config_text, "stored");
  auto load = [&](const std::string& path) {
    train::TrainState s = train::make_state(cfg, info.image_shape, 0);
    train::load_state(path, s);
    std::vector<torch::Tensor> out;
    for (auto& p : s.g->parameters()) out.push_back(p.detach().clone());
    for (auto& p : s.d->parameters()) out.push_back(p.detach().clone());
    return out;
  };
  const auto a0 = load(a.checkpoint(0)), a1 = load(a.checkpoint(step)), b1 = load(b.checkpoint(step));
  double apart = 0, moved = 0;
  for (size_t i = 0; i < a1.size(); ++i) {
    apart += (b1[i] - a1[i]).pow(2).sum().item<double>();
    moved += (a1[i] - a0[i]).pow(2).sum().item<double>();
  }
  return std::sqrt(apart / moved);
}

struct Equivalence {
  std::string name, config;
  std::vector<std::string> sets;
  double bound;  // on divergence() after kSteps
  const char* why;
};
void PrintTo(const Equivalence& c, std::ostream* os) { *os << c.name; }

constexpr int kSteps = 6;

class TwoHalvesEqualOneWhole : public ::testing::TestWithParam<Equivalence> {};

// 1 process x batch B, then `train --nproc 2` (torchrun --standalone) x B/2 each, the same config and seed.
TEST_P(TwoHalvesEqualOneWhole, AfterSomeSteps) {
  const Equivalence& c = GetParam();
  test::TempDir tmp;
  std::vector<std::string> sets = c.sets;
  // No periodic evaluation (mnist-cgan has one): it would first train an evaluator in an empty cache.
  for (const char* s : {"train.log_every=1", "train.sample_every=0", "train.checkpoint_every=0", "train.eval_every=0"})
    sets.push_back(s);
  sets.push_back("train.steps=" + std::to_string(kSteps));
  const auto one = test::run_cli("train " + train_args(c.config, sets, tmp / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = test::run_cli("train --nproc 2 " + train_args(c.config, sets, tmp / "two"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const double d = divergence(tmp / "one", tmp / "two", kSteps);
  std::fprintf(stderr, "[ distributed ] %s: 2 x B/2 vs 1 x B after %d steps: divergence %.3g (bound %.3g: %s)\n",
              c.name.c_str(), kSteps, d, c.bound, c.why);
  EXPECT_LT(d, c.bound) << c.why;
  // Both wrote the same lines (losses aside), with the whole batch's images counted.
  const auto log_one = test::log_without_time(tmp / "one"), log_two = test::log_without_time(tmp / "two");
  ASSERT_EQ(log_one.size(), log_two.size());
  for (size_t i = 0; i < log_one.size(); ++i) {
    EXPECT_EQ(log_one[i].value("step", -1), log_two[i].value("step", -1)) << "line " << i;
    EXPECT_EQ(log_one[i].value("nimg", -1), log_two[i].value("nimg", -1)) << "line " << i;
    EXPECT_EQ(log_one[i].value("event", ""), log_two[i].value("event", "")) << "line " << i;
  }
}

// The bounds: the same arithmetic but for the order of additions (the loss means over 2 x B/2 averaged vs
// one mean over B) stays near float precision; Adam magnifies it a little where a gradient is near zero.
// BatchNorm normalizes each process's half batch with that half's statistics (as PyTorch's DDP does without
// SyncBatchNorm), which changes the math itself: those runs stay close but not at float precision.
INSTANTIATE_TEST_SUITE_P(
    Distributed, TwoHalvesEqualOneWhole,
    ::testing::Values(
        Equivalence{"mlp", "mnist-mlp", {"model.g_batchnorm=false"}, 1e-4, "summation order only"},
        Equivalence{"wgan_gp_mlp", "mnist-mlp",
                    {"model.g_batchnorm=false", "loss.type='wgan'", "loss.gp_weight=10", "train.d_steps=3",
                     "optim.beta1=0.0", "optim.beta2=0.9"},
                    1e-4, "summation order only: the penalty's mixing weights are drawn for the whole batch"},
        Equivalence{"pacgan", "ring8-pacgan", {"model.g_batchnorm=false"}, 1e-4,
                    "summation order only: packs never straddle processes"},
        Equivalence{"conditional_r1", "mnist-cgan",
                    {"model.g_batchnorm=false", "loss.r1_gamma=1", "loss.r1_every=2"}, 1e-4,
                    "summation order only: the fake labels are drawn for the whole batch"},
        Equivalence{"diffaugment", "mnist-mlp",
                    {"model.g_batchnorm=false", "train.diffaugment='color,translation,cutout'"}, 1e-4,
                    "summation order only: the augmentations are drawn for the whole batch"},
        Equivalence{"dcgan_bn", "mnist-dcgan", {"data.batch_size=32"}, 0.5,
                    "BatchNorm uses each process's half-batch statistics: same trajectory, not the same arithmetic"}),
    [](const auto& info) { return info.param.name; });

// torchrun --standalone, as a user types it (train --nproc uses the same c10d rendezvous on a free port
// instead of --standalone's fixed 29400). The only test that uses --standalone: two at once would meet.
TEST(Distributed, TorchrunStandalone) {
  test::TempDir tmp;
  const auto r = shell("torchrun --standalone --nproc_per_node 2 --redirects 1 --tee 1 --monitor_interval 0.5 "
                       "--no_python " + bin() + " train " +
                       train_args("mnist-mlp", {"train.steps=6", "train.log_every=3"}, tmp / "run"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "run/checkpoints/step-0000006.pt"));
  int64_t nimg = -1;
  for (const auto& line : test::log_without_time(tmp / "run")) nimg = line.value("nimg", nimg);
  EXPECT_EQ(nimg, 6 * 128) << "6 steps of the whole batch";
}

// A NaN on rank 1 alone (a test fault at step 7, with a patience of one step): the sum carries it to every
// rank, all roll back together to the step-5 checkpoint that rank 0 reads and hands round, and the run goes
// on as one process with the same fault would.
TEST(Distributed, NonFiniteOnOneRankRollsBackEveryRankAsOneProcessWould) {
  test::TempDir tmp;
  const std::vector<std::string> sets = {"model.g_batchnorm=false", "train.steps=12", "train.log_every=1",
                                         "train.checkpoint_every=5", "train.keep_checkpoints=10",
                                         "train.nonfinite_patience=1", "train.sample_every=0"};
  const auto one = test::run_cli("train " + train_args("mnist-mlp", sets, tmp / "one"), "GANFORGE_TEST_FAULT=nonfinite:7 ");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = test::run_cli("train --nproc 2 " + train_args("mnist-mlp", sets, tmp / "two"),
                                 "GANFORGE_TEST_FAULT=nonfinite:7 GANFORGE_TEST_FAULT_RANK=1 ");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  for (const std::string run : {tmp / "one", tmp / "two"}) {
    int rollbacks = 0;
    for (const auto& line : test::log_without_time(run))
      if (line.value("event", "") == "rollback") {
        ++rollbacks;
        EXPECT_EQ(line.value("from_step", -1), 7) << run;
        EXPECT_EQ(line.value("step", -1), 5) << run;
      }
    EXPECT_EQ(rollbacks, 1) << run;
  }
  EXPECT_LT(divergence(tmp / "one", tmp / "two", 12), 1e-4);
}

// The multi-machine spelling: two launcher agents (nodes 0 and 1, one process each) in two folders, joined
// by the static rendezvous on 127.0.0.1. --out is relative: a write by rank 1 would land in node 1's folder.
TEST(Distributed, StaticRendezvousTwoNodesOnlyRankZeroWrites) {
  test::TempDir a, b;
  const int port = free_port();
  const std::string args = train_args("mnist-mlp", {"train.steps=12", "train.log_every=4", "train.checkpoint_every=6"}, "run");
  const auto r = shell("cd " + b.path.string() + " && " + static_node(2, 1, 1, "127.0.0.1", port, args) +
                       " > node1.log 2>&1 & pid=$!; cd " + a.path.string() + " && " +
                       static_node(2, 0, 1, "127.0.0.1", port, args) + "; r0=$?; wait $pid; r1=$?; echo exit $r0 $r1");
  EXPECT_NE(r.output.find("exit 0 0"), std::string::npos) << r.output << test::read_text(b / "node1.log");
  EXPECT_TRUE(run::Layout(a / "run").is_marked());
  EXPECT_TRUE(std::filesystem::exists(a / "run/checkpoints/step-0000012.pt"));
  int64_t progress_lines = 0;
  for (const auto& line : test::log_without_time(a / "run")) progress_lines += !line.contains("event");
  EXPECT_EQ(progress_lines, 3) << "steps 4, 8 and 12, once each";
  EXPECT_FALSE(std::filesystem::exists(b / "run")) << "rank 1 wrote files";
}

// Two "machines" that share no loopback: network namespaces joined by a veth pair, each with its own
// torchrun agent, Gloo on the veth interface (GLOO_SOCKET_IFNAME), as on real hosts.
TEST(Distributed, TwoNetworkNamespaces) {
  const std::string tag = std::to_string(::getpid() % 100000);
  const std::string ns0 = "gf0-" + tag, ns1 = "gf1-" + tag, v0 = "gfa" + tag, v1 = "gfb" + tag;
  const auto up = shell("ip netns add " + ns0 + " && ip netns add " + ns1 + " && ip link add " + v0 +
                        " type veth peer name " + v1 + " && ip link set " + v0 + " netns " + ns0 + " && ip link set " +
                        v1 + " netns " + ns1 + " && ip -n " + ns0 + " addr add 10.213.0.1/24 dev " + v0 +
                        " && ip -n " + ns1 + " addr add 10.213.0.2/24 dev " + v1 + " && ip -n " + ns0 +
                        " link set " + v0 + " up && ip -n " + ns1 + " link set " + v1 + " up && ip -n " + ns0 +
                        " link set lo up && ip -n " + ns1 + " link set lo up");
  struct Cleanup {
    std::string ns0, ns1;
    ~Cleanup() { shell("ip netns del " + ns0 + "; ip netns del " + ns1); }
  } cleanup{ns0, ns1};
  if (up.exit_code != 0) GTEST_SKIP() << "network namespaces are not permitted here: " << up.output;
  test::TempDir a, b;
  const std::string args = train_args("mnist-mlp", {"train.steps=8", "train.log_every=4", "train.checkpoint_every=4"}, "run");
  const auto r = shell("cd " + b.path.string() + " && GLOO_SOCKET_IFNAME=" + v1 + " ip netns exec " + ns1 + " " +
                       static_node(2, 1, 1, "10.213.0.1", 29517, args) + " > node1.log 2>&1 & pid=$!; cd " +
                       a.path.string() + " && GLOO_SOCKET_IFNAME=" + v0 + " ip netns exec " + ns0 + " " +
                       static_node(2, 0, 1, "10.213.0.1", 29517, args) + "; r0=$?; wait $pid; r1=$?; echo exit $r0 $r1");
  EXPECT_NE(r.output.find("exit 0 0"), std::string::npos) << r.output << test::read_text(b / "node1.log");
  EXPECT_TRUE(std::filesystem::exists(a / "run/checkpoints/step-0000008.pt"));
  EXPECT_FALSE(std::filesystem::exists(b / "run")) << "rank 1 wrote files";
}

// SIGKILL of rank 1 after step 17 (a test kill point, first attempt only): torchrun restarts the group, which
// resumes from the step-10 checkpoint and ends as the run that was never interrupted, bitwise.
TEST(Distributed, KilledRankRestartsAndEndsAsTheUninterruptedRun) {
  test::TempDir tmp;
  const std::vector<std::string> sets = {"train.steps=30", "train.log_every=2", "train.checkpoint_every=10",
                                         "train.sample_every=10", "train.ema_half_life_kimg=1"};
  const auto whole = test::run_cli("train --nproc 2 " + train_args("mnist-mlp", sets, tmp / "whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  const auto killed = test::run_cli("train --nproc 2 --max-restarts 1 " + train_args("mnist-mlp", sets, tmp / "killed"),
                                    "GANFORGE_TEST_FAULT=step:17 GANFORGE_TEST_FAULT_RANK=1 ");
  ASSERT_EQ(killed.exit_code, 0) << killed.output;
  EXPECT_NE(killed.output.find("failed (exitcode: "), std::string::npos) << "the launcher saw a failure:\n" << killed.output;
  EXPECT_EQ(test::log_without_time(tmp / "whole"), test::log_without_time(tmp / "killed"));
  test::expect_same_weights(run::Layout(tmp / "whole").checkpoint(30), run::Layout(tmp / "killed").checkpoint(30));
}

// A run of 2 processes continued by 1, then by 2 again: allowed, with a warning saying what changes.
TEST(Distributed, ResumingWithAnotherNumberOfProcessesWarns) {
  test::TempDir tmp;
  const auto two = test::run_cli("train --nproc 2 " + train_args("mnist-mlp", {"train.steps=4"}, tmp / "run"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto one = test::run_cli("train --resume " + (tmp / "run") + " --set train.steps=6");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("warning: this run was trained by 2 process(es) and goes on with 1: the data order and "
                            "noise are unchanged"),
            std::string::npos)
      << one.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "run/checkpoints/step-0000006.pt"));
  // And back to 2 with --resume under the launcher: rank 0 reads the run's config and newest checkpoint and
  // hands both to rank 1.
  const auto again = test::run_cli("train --nproc 2 --resume " + (tmp / "run") + " --set train.steps=8");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("resuming from " + (tmp / "run/checkpoints/step-0000006.pt")), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("trained by 1 process(es) and goes on with 2"), std::string::npos) << again.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "run/checkpoints/step-0000008.pt"));
}

// Ctrl-C in the launcher's terminal (SIGINT to the whole process group: each worker gets it from the terminal
// and again from torchrun's agent): every process stops at the same step and rank 0 writes a checkpoint.
TEST(Distributed, CtrlCStopsEveryProcessWithACheckpoint) {
  test::TempDir tmp;
  const std::string run = tmp / "run";
  // bash with job control: the job gets its own process group, and SIGINT is not ignored in it (a
  // non-interactive shell starts background commands with SIGINT ignored).
  const std::string script = "set -m; " + bin() + " train --nproc 2 " +
                             train_args("mnist-mlp", {"train.steps=100000", "train.log_every=5"}, run) + " > " +
                             (tmp / "log") + " 2>&1 & pid=$!; for i in $(seq 1 300); do [ -s " + run +
                             "/metrics.jsonl ] && break; sleep 0.1; done; kill -INT -- -$pid; wait $pid; echo exit $?";
  test::write_bytes(tmp / "ctrl-c.sh", script);
  const auto r = shell("timeout 120 bash " + (tmp / "ctrl-c.sh"));
  const std::string log = test::read_text(tmp / "log");
  EXPECT_NE(log.find("train: stop requested: every process finishes the same step"), std::string::npos) << log;
  const auto checkpoints = run::Layout(run).checkpoints();
  ASSERT_EQ(checkpoints.size(), 2u) << r.output << log;  // step 0 and the stop's
  EXPECT_NE(checkpoints.back(), run::Layout(run).checkpoint(0));
  const auto resumed = test::run_cli("train --resume " + run + " --set train.steps=" +
                                     std::to_string(run::read_checkpoint_info(checkpoints.back()).step + 2) + " -q");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
}

// Without restarts the job stops, promptly, naming what happened; the checkpoints so far are intact.
TEST(Distributed, KilledRankStopsTheJobWithoutRestarts) {
  test::TempDir tmp;
  const auto r = test::run_cli(
      "train --nproc 2 " + train_args("mnist-mlp", {"train.steps=40", "train.checkpoint_every=10"}, tmp / "run"),
      "GANFORGE_TEST_FAULT=step:15 GANFORGE_TEST_FAULT_RANK=1 ");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("rank      : 1"), std::string::npos) << "the launcher names the failed rank:\n" << r.output;
  EXPECT_NE(r.output.find("exitcode  : -9"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "run/checkpoints/step-0000010.pt"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "run/checkpoints/step-0000040.pt"));
}

// A rank whose weights drift (a nudge on rank 1 after step 3) is caught at the next checkpoint, before
// anything is written from it.
TEST(Distributed, DivergedRanksAreAnErrorNotACheckpoint) {
  test::TempDir tmp;
  const auto r = test::run_cli(
      "train --nproc 2 " + train_args("mnist-mlp", {"train.steps=10", "train.checkpoint_every=5"}, tmp / "run"),
      "GANFORGE_TEST_FAULT=diverge:3 GANFORGE_TEST_FAULT_RANK=1 ");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("rank 1's parameters of D differ from rank 0's at step 5"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "run/checkpoints/step-0000000.pt"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "run/checkpoints/step-0000005.pt"));
}

// Two ranks started by hand (the env:// contract: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) with
// different configs: both stop at the start, rank 1 naming the line that differs.
TEST(Distributed, MismatchedConfigsAcrossRanksAreRefused) {
  test::TempDir tmp;
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) + " ";
  const std::string base = " train " + train_args("mnist-mlp", {"train.steps=4"}, tmp / "run");
  const auto r = shell(env + "RANK=1 " + bin() + base + " --set optim.lr_d=0.001 > " + (tmp / "rank1.log") +
                       " 2>&1 & pid=$!; " + env + "RANK=0 " + bin() + base + "; r0=$?; wait $pid; echo exit $r0 $?");
  const std::string rank1 = test::read_text(tmp / "rank1.log");
  EXPECT_NE(r.output.find("exit 2 2"), std::string::npos) << r.output << rank1;
  EXPECT_NE(rank1.find("rank 1's resolved config differs from rank 0's: [optim] `lr_d = 0.001` here"), std::string::npos)
      << rank1;
  EXPECT_NE(r.output.find("rank 1 could not start"), std::string::npos) << r.output;
  EXPECT_EQ(test::count_lines(rank1), 1u) << "ranks other than 0 say only their error:\n" << rank1;
  EXPECT_FALSE(std::filesystem::exists(tmp / "run")) << "bad input creates nothing";
}

TEST(Distributed, BadLaunchesGiveOneLine) {
  test::TempDir tmp;
  const std::string args = " " + train_args("mnist-mlp", {"train.steps=4"}, tmp / "run");
  auto r = test::run_cli("train --nproc 0" + args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--nproc"), std::string::npos) << r.output;

  r = test::run_cli("train" + args, "WORLD_SIZE=2 RANK=0 MASTER_PORT=29500 ");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("WORLD_SIZE=2 but MASTER_ADDR is not set"), std::string::npos) << r.output;
  EXPECT_EQ(test::count_lines(r.output), 1u) << r.output;

  r = test::run_cli("train --nproc 2" + args, "RANK=0 WORLD_SIZE=1 ");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("drop --nproc"), std::string::npos) << r.output;

  r = test::run_cli("train --nproc 2 --set data.batch_size=127" + args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("data.batch_size = 127 does not split over 2 processes"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp / "run"));
}

TEST(Distributed, InfoNamesTheEngineAndTheLauncher) {
  const auto r = test::run_cli("info");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("distributed: c10d with Gloo (CPU), launched by torchrun: /"), std::string::npos) << r.output;
}

// Rank 1 waits for a master that never comes: it gives up after --dist-timeout with one line, exit 2.
TEST(Distributed, UnreachableMasterTimesOut) {
  test::TempDir tmp;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = test::run_cli("train --dist-timeout 3 " + train_args("mnist-mlp", {"train.steps=4"}, tmp / "run"),
                               "WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) + " ");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("could not reach the rendezvous store at 127.0.0.1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("within 3 s"), std::string::npos) << r.output;
  EXPECT_EQ(test::count_lines(r.output), 1u) << r.output;
  // Not a speed check: a hang would end only at CTest's timeout. Generous for a loaded machine.
  EXPECT_LT(s, 3 + 30) << "gave up after " << s << " s";
}

}  // namespace
}  // namespace ganforge
