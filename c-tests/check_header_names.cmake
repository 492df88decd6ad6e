# Fails when the public header #defines a name that is not ours: programs
# that include kernel or system headers next to it must never clash.
file(STRINGS ${HEADER} defines REGEX "^#define ")
set(foreign "")
foreach(line IN LISTS defines)
  string(REGEX REPLACE "^#define +([A-Za-z0-9_]+).*" "\\1" name "${line}")
  if(NOT name MATCHES "^(QNS_|QNETWORKSESSION_)")
    list(APPEND foreign ${name})
  endif()
endforeach()
if(foreign)
  message(FATAL_ERROR "the header defines names that are not ours: ${foreign}")
endif()
