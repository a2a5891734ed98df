#include "redis_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "animate/jobs/jobs_error.h"
#include "animate/jobs/redis_connection.h"

namespace animate::server::testing {
namespace {

std::string redis_binary() {
  if (const char* env = std::getenv("ANIMATE_TEST_REDIS_SERVER")) return env;
  for (const char* path : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  throw std::runtime_error("redis-server not found (apt-get install redis-server)");
}

bool answers_ping(int port) {
  jobs::RedisOptions options;
  options.port = port;
  options.connect_timeout = std::chrono::milliseconds(200);
  try {
    jobs::RedisConnection connection(options);
    return connection.command({"PING"}).str() == "PONG";
  } catch (const jobs::JobsError&) {
    return false;
  }
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("no free loopback port");
  return ntohs(address.sin_port);
}

RedisProcess::RedisProcess() {
  std::string pattern = (std::filesystem::temp_directory_path() / "animate-server-redis-XXXXXX");
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  // The port is free when picked but may be taken before redis binds it:
  // try a few.
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = free_loopback_port();
    if (launch()) return;
    kill_now();
  }
  throw std::runtime_error("redis-server did not start; see " + dir_);
}

RedisProcess::~RedisProcess() {
  kill_now();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool RedisProcess::launch() {
  const std::string binary = redis_binary();
  std::vector<std::string> args{binary,
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir_,
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--logfile",
                                dir_ + "/redis.log"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A crashed test must not leave its redis-server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (answers_ping(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void RedisProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace animate::server::testing
