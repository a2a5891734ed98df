# Finds LibTorch and provides animate::torch, an interface target that carries
# LibTorch's includes as SYSTEM headers (its own warnings are not ours to fix)
# plus one shared precompiled header so each LibTorch user does not re-parse
# <torch/torch.h> (several seconds per translation unit).
include_guard(GLOBAL)

find_package(Torch REQUIRED)
find_package(Threads REQUIRED)

if(NOT TARGET animate_torch)
  add_library(animate_torch INTERFACE)
  add_library(animate::torch ALIAS animate_torch)
  target_link_libraries(animate_torch INTERFACE ${TORCH_LIBRARIES} Threads::Threads)
  target_include_directories(animate_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  # LibTorch's exported flags (e.g. -D_GLIBCXX_USE_CXX11_ABI) must match.
  separate_arguments(_animate_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(animate_torch INTERFACE ${_animate_torch_flags})
  # ATen's at::parallel_for is a header template around `#pragma omp parallel`
  # when LibTorch is built with OpenMP: without the compiler's OpenMP flag it
  # silently runs serially in our code. Every LibTorch user (and the shared
  # PCH) gets the flag, so all agree on _OPENMP.
  find_package(OpenMP COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    target_link_libraries(animate_torch INTERFACE OpenMP::OpenMP_CXX)
  endif()
endif()

option(ANIMATE_PCH "Use a precompiled header for LibTorch" ON)

# One object library owns the PCH; every LibTorch target reuses it.
if(ANIMATE_PCH AND NOT TARGET animate_torch_pch)
  # Written once: rewriting it on every configure would recompile it.
  if(NOT EXISTS ${CMAKE_BINARY_DIR}/animate_torch_pch.cpp)
    file(WRITE ${CMAKE_BINARY_DIR}/animate_torch_pch.cpp "// precompiled header holder\n")
  endif()
  add_library(animate_torch_pch OBJECT ${CMAKE_BINARY_DIR}/animate_torch_pch.cpp)
  target_link_libraries(animate_torch_pch PUBLIC animate_torch)
  target_precompile_headers(animate_torch_pch PRIVATE <torch/torch.h>)
  animate_target_warnings(animate_torch_pch)
endif()

# Links LibTorch into target and reuses the shared precompiled header.
function(animate_use_torch target visibility)
  target_link_libraries(${target} ${visibility} animate::torch)
  if(ANIMATE_PCH)
    target_precompile_headers(${target} REUSE_FROM animate_torch_pch)
  endif()
endfunction()
