#include "worker/shutdown_signal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>

namespace animate::worker {
namespace {

// The handler's only state: where to write. Lock-free, so safe in a handler.
std::atomic<int> g_write_fd{-1};

extern "C" void on_shutdown_signal(int number) {
  const int fd = g_write_fd.load();
  if (fd < 0) return;
  const auto byte = static_cast<unsigned char>(number);
  [[maybe_unused]] const ssize_t ignored = ::write(fd, &byte, 1);
}

void install(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace

ShutdownSignal::ShutdownSignal() {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("ShutdownSignal: pipe2 failed");
  }
  g_write_fd = pipe_[1];
  install(on_shutdown_signal);
  watcher_ = std::thread([this] { watch(); });
}

ShutdownSignal::~ShutdownSignal() {
  install(SIG_DFL);
  g_write_fd = -1;
  stopping_ = true;
  watcher_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void ShutdownSignal::watch() {
  // A timed poll so the destructor can end the watcher without a signal.
  constexpr int kTickMillis = 200;
  while (!stopping_) {
    pollfd readable{pipe_[0], POLLIN, 0};
    if (::poll(&readable, 1, kTickMillis) <= 0) continue;
    unsigned char number = 0;
    if (::read(pipe_[0], &number, 1) != 1) continue;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (signal_ == 0) signal_ = number;
      ++count_;
    }
    arrived_.notify_all();
  }
}

void ShutdownSignal::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait(lock, [this] { return signal_ != 0; });
}

}  // namespace animate::worker

namespace animate::worker {

bool ShutdownSignal::wait_for_count(int count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return count_ >= count; });
}

}  // namespace animate::worker
