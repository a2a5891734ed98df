#include "redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
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

namespace animate::jobs::testing {
namespace {

// The kernel picks a free port; there is a small window before redis-server
// binds it, so start() retries with a new port if the server fails.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string find_redis_server() {
  if (const char* env = std::getenv("ANIMATE_TEST_REDIS_SERVER")) return env;
  for (const char* path : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  throw std::runtime_error("redis-server not found (apt-get install redis-server)");
}

}  // namespace

RedisServer::RedisServer(std::string password, int port)
    : binary_(find_redis_server()), password_(std::move(password)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "animate-redis-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = port > 0 ? port : free_loopback_port();
  for (int tries = 0;; ++tries) {
    start();
    if (wait_ready(10000)) return;
    stop(SIGKILL);
    if (tries == 3 || port > 0) {
      throw std::runtime_error("redis-server did not start; see " + dir_);
    }
    port_ = free_loopback_port();
  }
}

RedisServer::~RedisServer() {
  stop(SIGKILL);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisServer::start() {
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args{
      binary_, "--port",       port,  "--bind",        "127.0.0.1", "--dir",
      dir_,    "--appendonly", "yes", "--appendfsync", "always",    "--save",
      "",      "--logfile",    log,   "--daemonize",   "no",        "--protected-mode",
      "yes"};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
}

void RedisServer::stop(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool RedisServer::wait_ready(int timeout_ms) const {
  RedisOptions options;
  options.port = port_;
  options.password = password_;
  options.connect_timeout = std::chrono::milliseconds(200);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return false;  // exited
    try {
      RedisConnection connection(options);
      // PONG only once the AOF is loaded (LOADING before).
      if (connection.command({"PING"}).str() == "PONG") return true;
    } catch (const JobsError&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string RedisServer::url() const {
  return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") +
         "127.0.0.1:" + std::to_string(port_) + "/0";
}

void RedisServer::crash_and_restart() {
  stop(SIGKILL);
  start();
  if (!wait_ready(10000)) throw std::runtime_error("redis-server did not restart; see " + dir_);
}

}  // namespace animate::jobs::testing
