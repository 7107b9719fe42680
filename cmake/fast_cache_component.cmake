# fast_cache_component(NAME SOURCES... [DEPS targets...])
# Declares library fast_cache_<NAME>, aliased fast_cache::<NAME>, installed and exported, so a
# user links only the layers it uses.
function(fast_cache_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(fast_cache_${name} ${ARG_SOURCES})
  add_library(fast_cache::${name} ALIAS fast_cache_${name})
  set_target_properties(fast_cache_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(fast_cache_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
                             PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(fast_cache_${name} PUBLIC ${ARG_DEPS})
  install(TARGETS fast_cache_${name} EXPORT fast_cacheTargets)
endfunction()
