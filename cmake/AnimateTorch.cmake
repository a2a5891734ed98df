# Finds LibTorch and provides animate::torch, an interface target that carries
# LibTorch's includes as SYSTEM headers (its own warnings are not ours to fix)
# plus one shared precompiled header so each LibTorch user does not re-parse
# <torch/torch.h> (several seconds per translation unit).
include_guard(GLOBAL)

# No GPU is visible while building: name the architectures instead of letting
# LibTorch's CMake probe for one (A100 8.0, A10/3090 8.6, L4/L40/4090 8.9,
# H100/H200 9.0). Only CUDA code compiled by this project would use them.
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;8.6;8.9;9.0")
endif()
# TorchConfig.cmake looks for its Caffe2 package and its libraries (libtorch,
# libc10, ...) beside it only after the system paths, where another LibTorch
# (Debian's libtorch-dev) may sit: search Torch_DIR's own first. (Its lib/
# goes to CMAKE_LIBRARY_PATH, not to a prefix path: the wheel's torch/ also
# holds a protoc and protobuf headers that must not stand in for the system's.)
if(Torch_DIR AND EXISTS "${Torch_DIR}/../Caffe2/Caffe2Config.cmake")
  if(NOT Caffe2_DIR)
    get_filename_component(Caffe2_DIR "${Torch_DIR}/../Caffe2" ABSOLUTE)
    set(Caffe2_DIR "${Caffe2_DIR}" CACHE PATH "Caffe2 package of the LibTorch in Torch_DIR")
  endif()
  get_filename_component(_animate_torch_lib "${Torch_DIR}/../../../lib" ABSOLUTE)
  list(PREPEND CMAKE_LIBRARY_PATH "${_animate_torch_lib}")
endif()
# LibTorch's CMake enables the CUDA language and then ignores (with a warning)
# the CMAKE_CUDA_ARCHITECTURES that policy CMP0104 would initialise.
cmake_policy(PUSH)
cmake_policy(SET CMP0104 OLD)
find_package(Torch REQUIRED)
cmake_policy(POP)
find_package(Threads REQUIRED)

# Every library of the package must come from the one LibTorch found.
foreach(_animate_lib_var TORCH_LIBRARY c10_LIBRARY C10_CUDA_LIBRARY)
  if(${_animate_lib_var} AND NOT ${_animate_lib_var} MATCHES "^${TORCH_INSTALL_PREFIX}/")
    message(FATAL_ERROR "${_animate_lib_var} is ${${_animate_lib_var}}, outside the LibTorch at "
                        "${TORCH_INSTALL_PREFIX}: another LibTorch is installed; remove the build's "
                        "CMakeCache.txt (or that LibTorch) and configure again")
  endif()
endforeach()

# The project's LibTorch is the PyTorch 2.x wheel of scripts/libtorch-requirements.txt
# (scripts/install-libtorch.sh); any LibTorch >= 2.1 builds (the fused
# attention's scale argument and float8 dtypes need 2.1).
if(Torch_VERSION VERSION_LESS 2.1)
  message(FATAL_ERROR "LibTorch ${Torch_VERSION} found at ${TORCH_INSTALL_PREFIX}; animate needs >= 2.1 "
                      "(bash scripts/install-libtorch.sh installs the pinned one)")
endif()
# A CUDA-enabled LibTorch registers its CUDA libraries here (Caffe2Config.cmake).
if(CAFFE2_USE_CUDA)
  set(ANIMATE_TORCH_CUDA ON)
else()
  set(ANIMATE_TORCH_CUDA OFF)
endif()
# PyTorch's wheels load the CUDA runtime libraries of their nvidia-* wheels
# (libtorch_cuda.so's RPATH: $ORIGIN/../../nvidia/...), which can be newer than
# the machine's toolkit (torch 2.15.0 is built with CUDA 13.2; the toolkit here
# may be 13.0). LibTorch's CMake package links consumers to the toolkit's
# libcudart and libnvrtc, and a process must load one libcudart only: point
# those at the wheels' copies, and let the linker resolve libtorch_cuda's own
# dependencies (NCCL, cuDNN, ...) among the wheels, not the toolkit's older ones.
get_filename_component(_animate_nvidia_root "${TORCH_INSTALL_PREFIX}/../nvidia" ABSOLUTE)
if(ANIMATE_TORCH_CUDA AND IS_DIRECTORY "${_animate_nvidia_root}")
  file(GLOB _animate_nvidia_lib_dirs LIST_DIRECTORIES true "${_animate_nvidia_root}/*/lib")
  set(_animate_cudart "")
  set(_animate_nvrtc "")
  foreach(dir ${_animate_nvidia_lib_dirs})
    file(GLOB _found "${dir}/libcudart.so.[0-9]*")
    if(_found)
      list(GET _found 0 _animate_cudart)
    endif()
    file(GLOB _found "${dir}/libnvrtc.so.[0-9]*")
    if(_found)
      list(GET _found 0 _animate_nvrtc)
    endif()
  endforeach()
  if(_animate_cudart AND TARGET CUDA::cudart)
    set_target_properties(CUDA::cudart PROPERTIES IMPORTED_LOCATION "${_animate_cudart}")
  endif()
  if(_animate_nvrtc)
    list(TRANSFORM TORCH_LIBRARIES REPLACE "^${CUDA_NVRTC_LIB}$" "${_animate_nvrtc}")
  endif()
  string(REPLACE ";" ":" _animate_rpath_link "${_animate_nvidia_lib_dirs}")
  set(ANIMATE_TORCH_LINK_OPTIONS "LINKER:-rpath-link,${_animate_rpath_link}")
endif()

option(ANIMATE_REQUIRE_CUDA "Fail to configure unless LibTorch is CUDA-enabled (the production build)" OFF)
if(ANIMATE_REQUIRE_CUDA AND NOT ANIMATE_TORCH_CUDA)
  message(FATAL_ERROR "ANIMATE_REQUIRE_CUDA: LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX} has no CUDA")
endif()
if(NOT ANIMATE_TORCH_FOUND_REPORTED)
  set(ANIMATE_TORCH_FOUND_REPORTED ON)
  if(ANIMATE_TORCH_CUDA)
    message(STATUS "animate: LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}, CUDA enabled "
                   "(CUDA toolkit ${CUDAToolkit_VERSION} at ${CUDAToolkit_BIN_DIR})")
  else()
    message(STATUS "animate: LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}, CPU only")
  endif()
endif()

if(NOT TARGET animate_torch)
  add_library(animate_torch INTERFACE)
  add_library(animate::torch ALIAS animate_torch)
  target_link_libraries(animate_torch INTERFACE ${TORCH_LIBRARIES} Threads::Threads)
  target_include_directories(animate_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  # LibTorch's MKL is linked statically into libtorch_cpu; its CMake package
  # still adds ${MKL_ROOT}/lib/intel64... link directories, which with no
  # MKL_ROOT become /lib/intel64 entries in every binary's RUNPATH.
  if(TARGET caffe2::mkl)
    set_property(TARGET caffe2::mkl PROPERTY INTERFACE_LINK_DIRECTORIES "")
  endif()
  if(ANIMATE_TORCH_LINK_OPTIONS)
    target_link_options(animate_torch INTERFACE ${ANIMATE_TORCH_LINK_OPTIONS})
  endif()
  # LibTorch's exported flags (e.g. -D_GLIBCXX_USE_CXX11_ABI) must match.
  separate_arguments(_animate_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(animate_torch INTERFACE ${_animate_torch_flags})
  # What the binaries report about their build (model/device/build_info.h).
  target_compile_definitions(animate_torch INTERFACE
    ANIMATE_TORCH_CUDA=$<BOOL:${ANIMATE_TORCH_CUDA}>)
  # ATen's at::parallel_for is a header template around `#pragma omp parallel`
  # when LibTorch is built with OpenMP: without the compiler's OpenMP flag it
  # silently runs serially in our code. Every LibTorch user (and the shared
  # PCH) gets the flag, so all agree on _OPENMP.
  find_package(OpenMP COMPONENTS CXX)
  # PyTorch's wheels bundle their own libgomp.so.1 beside libtorch_cpu.so: our
  # OpenMP code must run on that one runtime (one thread pool, one set of
  # thread-local team states), so it is linked instead of the compiler's.
  set(_animate_torch_gomp "${TORCH_INSTALL_PREFIX}/lib/libgomp.so.1")
  if(OpenMP_CXX_FOUND AND EXISTS "${_animate_torch_gomp}")
    separate_arguments(_animate_openmp_flags UNIX_COMMAND "${OpenMP_CXX_FLAGS}")
    target_compile_options(animate_torch INTERFACE ${_animate_openmp_flags})
    target_link_libraries(animate_torch INTERFACE "${_animate_torch_gomp}")
  elseif(OpenMP_CXX_FOUND)
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
