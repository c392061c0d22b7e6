# cafe_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...>)
#
# One GoogleTest executable; each TEST becomes its own ctest entry (found at
# test time, so adding a test needs no re-configure). Labels:
#   fast         unit tests; the whole set runs in well under a minute
#   integration  in-process services on ephemeral ports
#   postgres     starts a real PostgreSQL (initdb/pg_ctl) in a temp dir
#   redis        starts a real redis-server in a temp dir
#   e2e          drives the built binary
#   fuzz         runs a libFuzzer target over its corpus for a bounded time
#   slow         anything over a few seconds
include(GoogleTest)
function(cafe_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  # gtest_discover_tests flattens PROPERTIES into one list: escape the
  # separators of multi-valued properties so each keeps all its values.
  string(REPLACE ";" "\\;" labels "${T_LABELS}")
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${labels}"
               ENVIRONMENT "CAFE_BINARY_DIR=${PROJECT_BINARY_DIR}\\;CAFE_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
               SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
