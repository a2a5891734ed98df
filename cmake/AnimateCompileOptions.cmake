# Shared compile settings for every animate target. Included by the top-level
# project and by model/ when it is configured on its own.
include_guard(GLOBAL)

# C++20: LibTorch 2.x headers need it (std::strong_ordering, std::bit_width,
# string_view::starts_with), and the whole project uses one standard.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
# -fPIC everywhere (not per-target PIC/PIE) so executables and libraries can
# share one precompiled header.
add_compile_options(-fPIC)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# ccache when present: LibTorch translation units cost 15-20 s each on two cores.
# The precompiled header needs pch_defines/time_macros sloppiness to be cacheable.
find_program(ANIMATE_CCACHE ccache)
if(ANIMATE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${ANIMATE_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

option(ANIMATE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(ANIMATE_WERROR "Treat warnings as errors" OFF)

# Warnings for our own code only (not for imported LibTorch headers, which are SYSTEM).
function(animate_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wnon-virtual-dtor -Wcast-align)
  if(ANIMATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(ANIMATE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
