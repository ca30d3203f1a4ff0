#include "distributed/launcher.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "tuning/plan.h"

extern char** environ;

namespace trainperf {

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("no free port on 127.0.0.1: ") + std::strerror(err));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// The variables launch sets, replaced in the inherited environment.
bool is_launch_variable(const char* entry) {
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                           kCoordinatorPidVariable}) {
    const size_t n = std::strlen(name);
    if (std::strncmp(entry, name, n) == 0 && entry[n] == '=') return true;
  }
  return false;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

std::vector<std::string> as_torchrun_command(const std::vector<std::string>& argv) {
  if (argv.size() < 4 || argv[1] != "launch" || argv[2] != "--nproc-per-node") return argv;
  std::vector<std::string> out{"torchrun", "--standalone", "--nproc-per-node", argv[3], "--no-python", argv[0]};
  out.insert(out.end(), argv.begin() + 4, argv.end());
  return out;
}

int launch_group(const std::vector<std::string>& argv, int nproc, double grace_s, std::ostream& err) {
  if (nproc < 1) throw std::invalid_argument("--nproc-per-node must be at least 1");
  if (argv.empty()) throw std::invalid_argument("launch: no command to run");
  const int port = free_loopback_port();
  std::vector<std::string> common;
  for (char** e = environ; *e; ++e)
    if (!is_launch_variable(*e)) common.push_back(*e);
  common.push_back(fmt::format("{}={}", kCoordinatorPidVariable, ::getpid()));
  common.push_back(fmt::format("WORLD_SIZE={}", nproc));
  common.push_back(fmt::format("LOCAL_WORLD_SIZE={}", nproc));
  common.push_back("MASTER_ADDR=127.0.0.1");
  common.push_back(fmt::format("MASTER_PORT={}", port));

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::map<pid_t, int> rank_of;
  auto kill_all = [&](int sig) {
    for (const auto& [pid, rank] : rank_of) ::kill(pid, sig);
  };
  for (int rank = 0; rank < nproc; ++rank) {
    std::vector<std::string> env = common;
    env.push_back(fmt::format("RANK={}", rank));
    env.push_back(fmt::format("LOCAL_RANK={}", rank));
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
    if (rc != 0) {
      kill_all(SIGKILL);
      for (const auto& [p, r] : rank_of) ::waitpid(p, nullptr, 0);
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    rank_of[pid] = rank;
  }

  using Clock = std::chrono::steady_clock;
  int result = 0;
  std::optional<Clock::time_point> deadline;  // set by the first failure
  bool terminated = false;
  while (!rank_of.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, deadline ? WNOHANG : 0);
    if (pid > 0) {
      const auto it = rank_of.find(pid);
      if (it == rank_of.end()) continue;
      const int rank = it->second;
      rank_of.erase(it);
      if (status != 0 && result == 0) {
        fmt::print(err, "trainperf launch: rank {} of {} {}; the other ranks get {:.0f} s to stop\n", rank, nproc,
                   describe_status(status), grace_s);
        result = exit_code(status);
        deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s));
      } else if (status != 0) {
        fmt::print(err, "trainperf launch: rank {} of {} {}\n", rank, nproc, describe_status(status));
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (deadline && Clock::now() > *deadline) {
      for (const auto& [p, rank] : rank_of)
        fmt::print(err, "trainperf launch: rank {} of {} did not stop within {:.0f} s; killing it\n", rank, nproc,
                   grace_s);
      kill_all(terminated ? SIGKILL : SIGTERM);
      deadline = Clock::now() + std::chrono::seconds(5);
      terminated = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace trainperf
