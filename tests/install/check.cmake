# find_package(fast_cache) from a user's project, both ways fast_cache can be installed. The
# sanitized builds install their build tree into a scratch prefix, then configure, build and run
# the consumer against it. The unsanitized build (one per test run is enough, and the library is
# built once more for it) does the same with fast_cache built with FAST_CACHE_COMPILE_ASIO=OFF and
# the consumer compiling Asio and Beast itself. Arguments: BUILD_DIR, SOURCE_DIR, PROJECT_DIR,
# WORK_DIR, SANITIZE, UNITY (the build tree's CMAKE_UNITY_BUILD, which the second build of the
# libraries follows).
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(result)
    message(FATAL_ERROR "failed (${result}): ${ARGN}")
  endif()
endfunction()
if(SANITIZE)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
      -DFAST_CACHE_SANITIZE=${SANITIZE})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
  run(${WORK_DIR}/build/consumer)
else()
  # Unoptimised and without debug information: this build checks what gets installed and how a
  # user's project finds and links it, and -O2 -g made it the longest test of the suite.
  run(${CMAKE_COMMAND} -S ${PROJECT_DIR} -B ${WORK_DIR}/lib_without_asio -G Ninja -DFAST_CACHE_COMPILE_ASIO=OFF
      -DFAST_CACHE_BUILD_TESTS=OFF -DFAST_CACHE_BUILD_APPS=OFF -DFAST_CACHE_BUILD_BENCH=OFF
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_UNITY_BUILD=${UNITY})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/lib_without_asio)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib_without_asio --prefix ${WORK_DIR}/prefix_without_asio)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build_without_asio
      -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix_without_asio)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build_without_asio)
  run(${WORK_DIR}/build_without_asio/consumer)
endif()
