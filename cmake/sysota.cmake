# Shared build helpers.

# Our own code builds with every warning as an error.
function(sysota_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
                                           -Wmissing-prototypes -Wcast-align -Wpointer-arith)
endfunction()

# A cmocka test under CTest: sysota_add_test(NAME SOURCES a.c b.c LIBS x y [LABELS l])
function(sysota_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  sysota_warnings(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} cmocka)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "SYSOTA_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSOTA_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
