# Installs the build tree into WORK_DIR/prefix, builds examples/consumer against it, runs it.
file(REMOVE_RECURSE ${WORK_DIR})
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
step(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix)
# The consumer is built with the project's own compile and link flags (the sanitizers of the
# asan preset must be on both sides of the static library).
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_LINKER_FLAGS}")
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step(${CMAKE_COMMAND} -E env KFM_SYSFS_ROOT=${SOURCE_DIR}/tests/fixtures/sysfs/no-rapl
  KFM_HOME=${WORK_DIR}/home KFM_RUN_ID=consumer-1 ${WORK_DIR}/build/kfm_consumer)
# The Telemetry API's node span landed in the bundle files.
if(NOT EXISTS ${WORK_DIR}/home/telemetry/otel/spans-kfm-run-consumer-1.json OR
   NOT EXISTS ${WORK_DIR}/home/telemetry/carbon/kfm-run-consumer-1.json)
  message(FATAL_ERROR "the consumer's node span was not written under ${WORK_DIR}/home")
endif()
