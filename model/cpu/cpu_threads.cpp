#include "model/cpu/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <mutex>

namespace animate::cpu {

namespace {

// OpenBLAS's C API, when OpenBLAS is the BLAS this process loaded (the BLAS
// behind libblas.so.3 is chosen by the system, so it is looked up, not linked).
struct OpenBlasApi {
  using SetThreads = void (*)(int);
  using GetThreads = int (*)();
  using GetString = char* (*)();
  SetThreads set_threads = nullptr;
  GetThreads get_threads = nullptr;
  GetString config = nullptr;
  GetString core = nullptr;

  static const OpenBlasApi& get() {
    static const OpenBlasApi api = [] {
      OpenBlasApi a;
      a.set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
      a.get_threads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
      a.config = reinterpret_cast<GetString>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
      a.core = reinterpret_cast<GetString>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
      return a;
    }();
    return api;
  }
  bool usable() const { return set_threads != nullptr && get_threads != nullptr; }
};

// Shared by every SingleThreadedBlasScope of the process.
struct ScopeState {
  std::mutex mutex;
  int depth = 0;
  int saved_threads = 0;
};

ScopeState& scope_state() {
  static ScopeState state;
  return state;
}

}  // namespace

CpuThreads set_cpu_threads(int threads) {
  at::set_num_threads(threads);
  CpuThreads out;
  out.torch = at::get_num_threads();
  const OpenBlasApi& blas = OpenBlasApi::get();
  if (!blas.usable()) {
    out.blas = "not OpenBLAS (threads left as they are)";
    return out;
  }
  {
    // A scope in flight restores its own saved count; update that instead.
    ScopeState& state = scope_state();
    const std::lock_guard<std::mutex> lock(state.mutex);
    if (state.depth > 0) {
      state.saved_threads = threads;
    } else {
      blas.set_threads(threads);
    }
  }
  out.blas = "OpenBLAS, " + std::to_string(threads) + " threads";
  if (blas.config != nullptr) out.blas += ", " + std::string(blas.config());
  if (blas.core != nullptr) out.blas += ", core " + std::string(blas.core());
  return out;
}

bool blas_threads_settable() {
  return OpenBlasApi::get().usable();
}

SingleThreadedBlasScope::SingleThreadedBlasScope() {
  const OpenBlasApi& blas = OpenBlasApi::get();
  if (!blas.usable()) return;
  ScopeState& state = scope_state();
  const std::lock_guard<std::mutex> lock(state.mutex);
  if (state.depth++ == 0) {
    state.saved_threads = blas.get_threads();
    if (state.saved_threads != 1) blas.set_threads(1);
  }
}

SingleThreadedBlasScope::~SingleThreadedBlasScope() {
  const OpenBlasApi& blas = OpenBlasApi::get();
  if (!blas.usable()) return;
  ScopeState& state = scope_state();
  const std::lock_guard<std::mutex> lock(state.mutex);
  if (--state.depth == 0 && state.saved_threads != 1) blas.set_threads(state.saved_threads);
}

}  // namespace animate::cpu
