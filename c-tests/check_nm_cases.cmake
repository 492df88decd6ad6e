# Every case test_nm knows is registered as a ctest test (CMakeLists.txt),
# so none is silently left out.
execute_process(COMMAND ${PROGRAM} --list OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --list failed")
endif()
string(STRIP "${listed}" listed)
string(REPLACE "\n" ";" listed "${listed}")
string(REPLACE "," ";" registered "${CASES}")
list(SORT listed)
list(SORT registered)
if(NOT listed STREQUAL registered)
  message(FATAL_ERROR "test_nm cases ${listed} but CMakeLists.txt registers ${registered}")
endif()
