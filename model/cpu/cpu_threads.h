#pragma once
// The CPU thread pools behind LibTorch's kernels, and how this project keeps
// them from fighting over the cores.
//
// LibTorch runs element-wise kernels (and bfloat16 matmuls, through oneDNN) on
// its intra-op OpenMP pool. Float32/float64 matmuls go to the BLAS:
// - PyTorch's x86-64 wheels (the project's LibTorch) link MKL with its GNU
//   OpenMP threading layer, on the same libgomp pool; a call made inside an
//   OpenMP parallel region runs on its calling thread.
// - LibTorch builds on OpenBLAS (aarch64 wheels, Debian's libtorch) have a
//   pthread pool of OpenBLAS's own that LibTorch never tells about its thread
//   count. Alternating between the pools costs: an idle pool spin-waits on the
//   cores the other one needs (libgomp spins 300000 times, OpenBLAS up to 2^28
//   cycles).
// The float32 kernels of this project therefore split their products across
// the OpenMP threads themselves and run the BLAS on the calling thread (see
// SingleThreadedBlasScope and parallel_gemm.h), so one pool does all the work.
#include <string>

namespace animate::cpu {

struct CpuThreads {
  int torch = 0;     // at::get_num_threads() afterwards
  std::string blas;  // what was found and set, for logs
};

// Sets LibTorch's intra-op pool and OpenBLAS's pool (through its C API, looked
// up at run time, when it is the loaded BLAS) to `threads`.
CpuThreads set_cpu_threads(int threads);

// True when the loaded BLAS is OpenBLAS and its thread count can be set at
// run time, i.e. when SingleThreadedBlasScope has an effect.
bool blas_threads_settable();

// While one exists anywhere in the process, OpenBLAS runs every call on its
// calling thread. Code that splits products across LibTorch's OpenMP threads
// holds one, so that each thread's GEMM neither starts the BLAS pool nor waits
// for it. Scopes nest and may be held by several threads: the first one
// switches, the last one restores the count found by the first.
class SingleThreadedBlasScope {
 public:
  SingleThreadedBlasScope();
  ~SingleThreadedBlasScope();
  SingleThreadedBlasScope(const SingleThreadedBlasScope&) = delete;
  SingleThreadedBlasScope& operator=(const SingleThreadedBlasScope&) = delete;
};

}  // namespace animate::cpu
