# Regenerates the header into OUT and fails when it differs from the committed one.
execute_process(
  COMMAND ${CBINDGEN} --config cbindgen.toml --crate qnetworksession --output ${OUT} --quiet
  WORKING_DIRECTORY ${SOURCE_DIR}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cbindgen failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${SOURCE_DIR}/include/qnetworksession.h
  RESULT_VARIABLE differs)
if(differs)
  message(FATAL_ERROR "include/qnetworksession.h is stale: run cbindgen --config cbindgen.toml --crate qnetworksession --output include/qnetworksession.h")
endif()
message(STATUS "header matches the sources")
