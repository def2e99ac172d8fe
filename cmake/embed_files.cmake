# ledger_embed_files(OUTPUT SCRIPT COMMENT FILES file... [DEFINES -DNAME=VALUE...])
#
# Adds the build step that compiles FILES (sorted) into the C++ source OUTPUT by running
# the CMake script SCRIPT (cmake/embed_schema.cmake, cmake/embed_console.cmake) with
# -DOUT=OUTPUT -DFILES=<the files separated by '|'> and DEFINES. A ';'-list would be split
# into separate arguments on the command line, hence '|'. The step reruns when a file or
# the script changes; the callers glob with CONFIGURE_DEPENDS so that a new file counts.
function(ledger_embed_files output script comment)
  cmake_parse_arguments(EMBED "" "" "FILES;DEFINES" ${ARGN})
  set(files ${EMBED_FILES})
  list(SORT files)
  string(REPLACE ";" "|" joined "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUT=${output} "-DFILES=${joined}" ${EMBED_DEFINES} -P ${script}
    DEPENDS ${files} ${script}
    COMMENT "${comment}"
    VERBATIM)
endfunction()
