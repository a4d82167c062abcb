# The source lists that more than one CMake project builds from, in one
# place: the host build (src/core, tools/), the fuzz targets (fuzz/, built
# with clang and libFuzzer) and the Cortex-M4 footprint build (footprint/,
# cross-compiled with its own toolchain). Each of those compiles the files
# itself with its own flags, so they share the list rather than a target.
# Adding a file to src/core or include/sysota means adding it here;
# tests/core/check_core_purity.sh fails when one is missing.
#
# Sets, as absolute paths:
#   SYSOTA_CORE_SOURCES      the portable core (src/core/*.c)
#   SYSOTA_PUBLIC_HEADERS    the installed headers (include/sysota/*.h)
#   SYSOTA_TOOLSLIB_SOURCES  the host tools' library (tools/lib/*.c)
# and SYSOTA_SOURCE_ROOT, the repository's top folder; sysota_find_jsmn()
# finds the one header the core needs besides the C compiler's.
get_filename_component(SYSOTA_SOURCE_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

set(SYSOTA_CORE_SOURCES
  app.c
  base64.c
  boot.c
  bootctl.c
  datetime.c
  delta_io.c
  delta_jojo.c
  delta_vcdiff.c
  error.c
  file_publish.c
  handover.c
  hex.c
  http.c
  imgdb.c
  json_check.c
  json_string.c
  json_walk.c
  layout.c
  manifest.c
  name.c
  rollout.c
  service.c
  service_check.c
  service_delta.c
  service_download.c
  service_job.c
  service_poll.c
  service_publish.c
  service_trust.c
  sigfile.c
  sys_ota.c
  trust.c
  url.c
  util.c
)
list(TRANSFORM SYSOTA_CORE_SOURCES PREPEND ${SYSOTA_SOURCE_ROOT}/src/core/)

set(SYSOTA_PUBLIC_HEADERS
  ota_app.h
  ota_boot.h
  ota_config.h
  ota_error.h
  ota_layout.h
  ota_port.h
  ota_security.h
  ota_service.h
  ota_status.h
  ota_types.h
  sys_ota.h
)
list(TRANSFORM SYSOTA_PUBLIC_HEADERS PREPEND ${SYSOTA_SOURCE_ROOT}/include/sysota/)

set(SYSOTA_TOOLSLIB_SOURCES
  cliarg.c
  filedigest.c
  hostdelta.c
  hostfile.c
  ihex_read.c
  ihex_write.c
  memmap.c
  mfdoc.c
)
list(TRANSFORM SYSOTA_TOOLSLIB_SOURCES PREPEND ${SYSOTA_SOURCE_ROOT}/tools/lib/)

# jsmn.h, the header-only JSON tokeniser of the host tools' manifest editor
# (the core needs nothing but the C compiler's headers): sets the
# cache variable JSMN_INCLUDE_DIR, or stops the configure saying how to get it.
function(sysota_find_jsmn)
  find_path(JSMN_INCLUDE_DIR jsmn.h DOC "folder holding jsmn.h (the host tools' JSON tokeniser)")
  if(NOT JSMN_INCLUDE_DIR)
    message(FATAL_ERROR
      "jsmn.h not found. The host tools' manifest editor needs this one header (jsmn, MIT licence).\n"
      "  Debian/Ubuntu: apt-get install libjsmn-dev   (or run scripts/setup.sh)\n"
      "  elsewhere:     put jsmn.h from https://github.com/zserge/jsmn in a folder and\n"
      "                 configure with -DJSMN_INCLUDE_DIR=<that folder>")
  endif()
endfunction()
