# Shared build helpers.

# Our own code builds with every warning as an error (the target build,
# target/CMakeLists.txt, uses the same list).
set(SYSOTA_WARNING_FLAGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-align
                         -Wpointer-arith)
function(sysota_warnings target)
  target_compile_options(${target} PRIVATE ${SYSOTA_WARNING_FLAGS})
endfunction()

# Host code (the host port, simulator, tools, tests, benchmarks) is strict
# C11 too, and asks the C library for POSIX.1-2008 plus the BSD names glibc
# hides under it (_DEFAULT_SOURCE); GNU also asks for glibc's extensions,
# for the files that use them. The one place these macros are set; the core
# never gets them (it is freestanding).
#   sysota_host_c(TARGET [GNU])
function(sysota_host_c target)
  cmake_parse_arguments(H "GNU" "" "" ${ARGN})
  target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  if(H_GNU)
    target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  endif()
endfunction()

# A cmocka test under CTest (host code: see sysota_host_c). Every test's
# TIMEOUT is a guard against a hang, never a figure: 900 s by default, far
# above what a test takes alone (sim_sweep under ASan: about 70 s), because
# a shared 2-core machine running two `make test` at once was seen to take
# 180 s and more for the same work.
#
#   sysota_add_test(NAME SOURCES a.c b.c LIBS x y [LABELS l] [TIMEOUT s] [GNU])
function(sysota_add_test name)
  cmake_parse_arguments(T "GNU" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  sysota_warnings(${name})
  if(T_GNU)
    sysota_host_c(${name} GNU)
  else()
    sysota_host_c(${name})
  endif()
  target_link_libraries(${name} PRIVATE ${T_LIBS} cmocka)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "SYSOTA_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSOTA_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
