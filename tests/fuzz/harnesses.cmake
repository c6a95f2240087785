# Which libFuzzer harnesses exist: read by tests/fuzz/CMakeLists.txt in both
# the project's build (to register one ctest test per harness) and the nested
# clang build (to define them), so both always agree.
#
# xmt_fuzz_harnesses(<out>) sets <out> to the harness names:
#   - one per parsing layer and the whole chain (fixed);
#   - format_<name> for every row of the format table
#     (plugin/formats/xmt_format_list.h), so a format added there gets its
#     own harness with no edit here (fuzz_format.c).

set(XMT_FUZZ_LAYER_HARNESSES percent base64 lzstring inflate json form search aes sensors_keys decode)
# The whole plugin inside libwireshark (fuzz_epan.c): it links epan and the
# glue of plugin/wireshark/ (the frame APIs of 4.0-4.4 and of 4.5 on).
set(XMT_FUZZ_EPAN_HARNESSES epan)

function(xmt_fuzz_harnesses out)
  set(names ${XMT_FUZZ_LAYER_HARNESSES})
  if(DEFINED Wireshark_VERSION)
    list(APPEND names ${XMT_FUZZ_EPAN_HARNESSES})
  endif()
  file(STRINGS "${PROJECT_SOURCE_DIR}/plugin/formats/xmt_format_list.h" rows REGEX "^XMT_FORMAT\\([a-z0-9_]+\\)")
  foreach(row ${rows})
    string(REGEX REPLACE "^XMT_FORMAT\\(([a-z0-9_]+)\\).*" "\\1" name "${row}")
    list(APPEND names "format_${name}")
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()
