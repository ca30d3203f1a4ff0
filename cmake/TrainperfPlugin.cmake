# trainperf_add_plugin(<target> SOURCES a.cpp ... [FILES search_space.json self_tuning.json ...]
#                      [DEFINITIONS NAME=VALUE ...])
# Builds a submission plugin (a shared module) against trainperf's public headers. FILES are embedded
# and read in the plugin with trainperf_plugin_file("search_space.json") from <trainperf_plugin_files.h>.
# trainperf's own symbols are resolved from the trainperf executable when it loads the plugin.
set(TRAINPERF_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(trainperf_add_plugin target)
  cmake_parse_arguments(P "" "" "SOURCES;FILES;DEFINITIONS" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_generated)
  set(files_abs "")
  foreach(f IN LISTS P_FILES)
    get_filename_component(abs "${f}" ABSOLUTE)
    list(APPEND files_abs "${abs}")
  endforeach()
  string(REPLACE ";" "|" files_arg "${files_abs}")
  add_custom_command(
    OUTPUT ${gen_dir}/trainperf_plugin_files.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${gen_dir}
    COMMAND ${CMAKE_COMMAND} -DBASE=${CMAKE_CURRENT_SOURCE_DIR} -DOUTPUT=${gen_dir}/trainperf_plugin_files.h
            "-DFILES=${files_arg}" -DHEADER=ON -P ${TRAINPERF_CMAKE_DIR}/embed_files.cmake
    DEPENDS ${files_abs} ${TRAINPERF_CMAKE_DIR}/embed_files.cmake
    VERBATIM)
  add_library(${target} MODULE ${P_SOURCES} ${gen_dir}/trainperf_plugin_files.h)
  target_include_directories(${target} PRIVATE ${TRAINPERF_INCLUDE_DIR} ${gen_dir})
  target_link_libraries(${target} PRIVATE trainperf::torch)
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_compile_definitions(${target} PRIVATE ${P_DEFINITIONS})
endfunction()
