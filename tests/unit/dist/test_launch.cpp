// The launch environment that torchrun sets, and the launcher command of `train --nproc`.
#include <gtest/gtest.h>

#include <map>

#include "ganforge/core/error.h"
#include "ganforge/dist/launch.h"

namespace ganforge::dist {
namespace {

Getenv env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Launch, NoVariablesIsAPlainProcess) { EXPECT_FALSE(launch_from_env(env({})).has_value()); }

TEST(Launch, ReadsWhatTorchrunSets) {
  const auto l = launch_from_env(env({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                                      {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"},
                                      {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "3"},
                                      {"TORCHELASTIC_MAX_RESTARTS", "5"}}));
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->rank, 1);
  EXPECT_EQ(l->world, 2);
  EXPECT_EQ(l->local_world, 2);
  EXPECT_EQ(l->master_addr, "10.0.0.1");
  EXPECT_EQ(l->master_port, 29500);
  EXPECT_TRUE(l->agent_store);
  EXPECT_EQ(l->restart_count, 3);
  EXPECT_EQ(l->max_restarts, 5);
  EXPECT_TRUE(l->distributed());
  EXPECT_EQ(l->who(), "rank 1 of 2");
}

TEST(Launch, StandaloneRendezvousLetsRankZeroHostTheStore) {
  const auto l = launch_from_env(env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "localhost"},
                                      {"MASTER_PORT", "40000"}, {"TORCHELASTIC_USE_AGENT_STORE", "False"}}));
  ASSERT_TRUE(l.has_value());
  EXPECT_FALSE(l->agent_store);
  EXPECT_EQ(l->local_world, 2);  // LOCAL_WORLD_SIZE absent: all on this machine
}

TEST(Launch, OneProcessNeedsNoMaster) {
  const auto l = launch_from_env(env({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"TORCHELASTIC_RESTART_COUNT", "1"}}));
  ASSERT_TRUE(l.has_value());
  EXPECT_FALSE(l->distributed());
  EXPECT_EQ(l->restart_count, 1);
}

void expect_refused(std::map<std::string, std::string> vars, const std::string& names) {
  try {
    launch_from_env(env(std::move(vars)));
    ADD_FAILURE() << "accepted; expected an error naming " << names;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
  }
}

TEST(Launch, MissingOrMalformedVariablesAreNamed) {
  expect_refused({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "29500"}}, "MASTER_ADDR is not set");
  expect_refused({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "h"}}, "MASTER_PORT is not set");
  expect_refused({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "99999"}}, "MASTER_PORT=99999");
  expect_refused({{"WORLD_SIZE", "2"}}, "RANK is not set");
  expect_refused({{"WORLD_SIZE", "2"}, {"RANK", "2"}}, "RANK=2 is not an integer in [0, 1]");
  expect_refused({{"WORLD_SIZE", "two"}, {"RANK", "0"}}, "WORLD_SIZE=two");
  expect_refused({{"RANK", "0"}}, "WORLD_SIZE is not set");
}

TEST(Launch, NprocRunsTheStandardLauncherWithoutItsOwnFlags) {
  const auto args = without_option(without_option({"--config", "c.toml", "--nproc", "2", "--max-restarts=1", "-q"}, "--nproc"),
                                   "--max-restarts");
  EXPECT_EQ(args, (std::vector<std::string>{"--config", "c.toml", "-q"}));
  const auto argv = torchrun_argv(2, 1, 40123, "/bin/ganforge", args);
  const std::vector<std::string> want = {"torchrun", "--nnodes", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint",
                                         "127.0.0.1:40123", "--rdzv_id", "ganforge-40123",
                                         "--nproc_per_node", "2", "--max_restarts", "1",
                                         "--redirects", "1", "--tee", "1", "--monitor_interval", "0.5",
                                         "--no_python", "/bin/ganforge", "train", "--config", "c.toml", "-q"};
  EXPECT_EQ(argv, want);
}

TEST(Launch, FreeLocalPortIsAPort) {
  const int p = free_local_port();
  EXPECT_GT(p, 0);
  EXPECT_LT(p, 65536);
}

}  // namespace
}  // namespace ganforge::dist
