# Installing the core as a library: `cmake --install BUILD --prefix P` puts
#   P/include/sysota/*.h                    the public headers (never src/core's)
#   P/LIBDIR/libsysota_core.a               the portable core
#   P/LIBDIR/cmake/sysota/sysota*.cmake     find_package(sysota) -> sysota::core
#   P/LIBDIR/pkgconfig/sysota.pc            pkg-config --cflags --libs sysota
#   P/bin/sysota                            the host tool, sysota::sysota (with SYSOTA_HOST; tools/)
# Everything is relocatable: the files find the prefix from where they lie,
# so the tree may be installed anywhere or moved.
include(CMakePackageConfigHelpers)

set(SYSOTA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sysota)

install(TARGETS sysota_core EXPORT sysotaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${SYSOTA_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sysota)
install(EXPORT sysotaTargets NAMESPACE sysota:: DESTINATION ${SYSOTA_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sysotaConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sysotaConfig.cmake
                              INSTALL_DESTINATION ${SYSOTA_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sysotaConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sysotaConfig.cmake ${PROJECT_BINARY_DIR}/sysotaConfigVersion.cmake
        DESTINATION ${SYSOTA_CMAKE_DIR})

# pkg-config: the prefix is taken relative to the .pc file's own folder.
set(SYSOTA_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${SYSOTA_PC_DIR}")
  set(SYSOTA_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH SYSOTA_PC_UP /prefix/${SYSOTA_PC_DIR} /prefix)
  string(REGEX REPLACE "/$" "" SYSOTA_PC_UP "${SYSOTA_PC_UP}")
  set(SYSOTA_PC_PREFIX "\${pcfiledir}/${SYSOTA_PC_UP}")
endif()
set(SYSOTA_PC_DEFS ${SYSOTA_OTA_DEFS})
list(TRANSFORM SYSOTA_PC_DEFS PREPEND " -D")
list(JOIN SYSOTA_PC_DEFS "" SYSOTA_PC_DEFS)
configure_file(${CMAKE_CURRENT_LIST_DIR}/sysota.pc.in ${PROJECT_BINARY_DIR}/sysota.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sysota.pc DESTINATION ${SYSOTA_PC_DIR})
