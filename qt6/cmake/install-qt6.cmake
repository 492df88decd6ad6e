# cmake --install for the Qt 6 library: the SONAME'd shared library, the
# headers under include/qnetworksession-qt6/ (so the Qt-style lower-case
# qnetworksession.h never shadows the C header <qnetworksession.h>), a
# relocatable CMake package QNetworkSessionQt6 and qnetworksession-qt6.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS QNetworkSessionQt6 EXPORT QNetworkSessionQt6Targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/qnetworksession-qt6 DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(QNS_QT6_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/QNetworkSessionQt6)
install(EXPORT QNetworkSessionQt6Targets
  NAMESPACE QNetworkSessionQt6::
  DESTINATION ${QNS_QT6_CMAKE_DIR})
set(QNS_QT6_BUILT_WITH_QT ${Qt6_VERSION})
configure_package_config_file(cmake/QNetworkSessionQt6Config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/QNetworkSessionQt6Config.cmake
  INSTALL_DESTINATION ${QNS_QT6_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/QNetworkSessionQt6ConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${CMAKE_CURRENT_BINARY_DIR}/QNetworkSessionQt6Config.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/QNetworkSessionQt6ConfigVersion.cmake
  DESTINATION ${QNS_QT6_CMAKE_DIR})

# pkg-config: ${pcfiledir} makes it relocatable, as the C library's.
set(QNS_QT6_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH QNS_QT6_PC_TO_PREFIX /root/${QNS_QT6_PC_DIR} /root)
string(REGEX REPLACE "/$" "" QNS_QT6_PC_TO_PREFIX "${QNS_QT6_PC_TO_PREFIX}")
configure_file(cmake/qnetworksession-qt6.pc.in ${CMAKE_CURRENT_BINARY_DIR}/qnetworksession-qt6.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/qnetworksession-qt6.pc DESTINATION ${QNS_QT6_PC_DIR})
