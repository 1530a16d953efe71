# check_test_names.cmake — fails when a test case's name contains ';'.
#
#   cmake -P check_test_names.cmake <test binary>...
#
# catch_discover_tests makes one CTest test per Catch test case, and CTest
# reads a test's name as a list: a ';' in it splits one test case into two
# "tests" whose names match no test case, so it never runs under ctest
# (silently: each half reports "no test cases matched" and, depending on the
# Catch version, passes). Commas are fine: Catch's script escapes them.
set(bad "")
set(count 0)
math(EXPR last "${CMAKE_ARGC} - 1")
set(first_binary -1)
foreach(i RANGE ${last})
  if(CMAKE_ARGV${i} STREQUAL "-P")
    math(EXPR first_binary "${i} + 2")  # after -P and the script's own name
  endif()
endforeach()
if(first_binary LESS 0 OR first_binary GREATER last)
  message(FATAL_ERROR "check_test_names: no test binaries given")
endif()
foreach(i RANGE ${first_binary} ${last})
  set(binary "${CMAKE_ARGV${i}}")
  # Catch v2 exits with the number of test cases listed: the status says nothing.
  execute_process(COMMAND "${binary}" --list-test-names-only OUTPUT_VARIABLE names ERROR_VARIABLE errors)
  if(names STREQUAL "")
    message(FATAL_ERROR "check_test_names: ${binary} listed no test cases (${errors})")
  endif()
  # ';' separates list items in CMake: mark it before cutting the output into lines.
  string(REPLACE ";" "<semicolon>" names "${names}")
  string(REPLACE "\n" ";" lines "${names}")
  foreach(name IN LISTS lines)
    if(name STREQUAL "")
      continue()
    endif()
    math(EXPR count "${count} + 1")
    if(name MATCHES "<semicolon>")
      string(REPLACE "<semicolon>" ";" name "${name}")
      string(APPEND bad "\n  ${binary}: \"${name}\"")
    endif()
  endforeach()
endforeach()
if(NOT bad STREQUAL "")
  message(FATAL_ERROR "check_test_names: these test case names contain ';', which CTest would split into two "
                      "tests that never run (use a comma or 'and'):${bad}")
endif()
message(STATUS "check_test_names: ${count} test case names, none with ';'")
