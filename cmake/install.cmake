# cmake --install: the shared library with its SONAME links, the static
# library, the header, a relocatable CMake package and pkg-config file.
# GNUInstallDirs gives Debian's multiarch libdir when the prefix is /usr.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(FILES
    ${QNS_STAGE}/libqnetworksession.so.${PROJECT_VERSION}
    ${QNS_STAGE}/libqnetworksession.so.${PROJECT_VERSION_MAJOR}
    ${QNS_STAGE}/libqnetworksession.so
  DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(FILES ${QNS_STATIC} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/qnetworksession.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(QNS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/QNetworkSession)
set(QNS_LIBDIR ${CMAKE_INSTALL_LIBDIR})
set(QNS_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
configure_package_config_file(cmake/QNetworkSessionConfig.cmake.in
  ${CMAKE_BINARY_DIR}/QNetworkSessionConfig.cmake
  INSTALL_DESTINATION ${QNS_CMAKE_DIR}
  PATH_VARS QNS_LIBDIR QNS_INCLUDEDIR)
# 0.x: a newer minor version may break the API, so only 0.1.* satisfies 0.1.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/QNetworkSessionConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${CMAKE_BINARY_DIR}/QNetworkSessionConfig.cmake
    ${CMAKE_BINARY_DIR}/QNetworkSessionConfigVersion.cmake
  DESTINATION ${QNS_CMAKE_DIR})

# pkg-config: ${pcfiledir} makes it relocatable.
set(QNS_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH QNS_PC_TO_PREFIX /root/${QNS_PC_DIR} /root)
string(REGEX REPLACE "/$" "" QNS_PC_TO_PREFIX "${QNS_PC_TO_PREFIX}")
list(TRANSFORM QNS_STATIC_DEPS PREPEND "-l" OUTPUT_VARIABLE QNS_PC_PRIVATE)
list(JOIN QNS_PC_PRIVATE " " QNS_PC_PRIVATE)
configure_file(cmake/qnetworksession.pc.in ${CMAKE_BINARY_DIR}/qnetworksession.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/qnetworksession.pc DESTINATION ${QNS_PC_DIR})
