# Each public header compiles alone (it includes what it needs), strictly,
# also with the 5.15 deprecation marker turned on (the GNU attribute form
# must sit in the class head next to the export attribute).
set(QNS_QT6_HEADER_CHECKS)
foreach(header QNetworkSession QNetworkConfigurationManager QNetworkConfiguration
               QtNetwork/qnetworksession.h QtNetwork/qnetworkconfigmanager.h
               QtNetwork/qnetworkconfiguration.h qnetworkconfigmanager.h
               private/qnetworksession_p.h)
  string(MAKE_C_IDENTIFIER "${header}" id)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/header_${id}.cpp)
  file(WRITE ${src}.in "#include <${header}>\n")
  configure_file(${src}.in ${src} COPYONLY)
  list(APPEND QNS_QT6_HEADER_CHECKS ${src})
endforeach()
add_library(qt6_headers_alone OBJECT ${QNS_QT6_HEADER_CHECKS})
add_library(qt6_headers_deprecated OBJECT ${QNS_QT6_HEADER_CHECKS})
target_compile_definitions(qt6_headers_deprecated PRIVATE QNETWORKSESSIONQT6_WARN_DEPRECATED)
foreach(t qt6_headers_alone qt6_headers_deprecated)
  set_target_properties(${t} PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
  target_compile_options(${t} PRIVATE -Wall -Wextra -Werror -pedantic)
  target_link_libraries(${t} PRIVATE QNetworkSessionQt6::QNetworkSessionQt6)
endforeach()
