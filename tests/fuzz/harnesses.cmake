# Which libFuzzer harnesses exist: read by tests/fuzz/CMakeLists.txt in both
# the project's build (to register one ctest test per harness) and the nested
# clang build (to define them), so both always agree.
#
# xmt_fuzz_harnesses(<out>) sets <out> to the harness names:
#   - one per parsing layer and the whole chain (fixed);
#   - format_<name> for every module of plugin/formats/ whose header declares
#     the usual recognise/decode pair over a parsed form, so a format added
#     there gets its own harness with no edit here.  For each,
#     XMT_FUZZ_FORMAT_<name>_HEADER and XMT_FUZZ_FORMAT_<name>_SDK are set in
#     the caller's scope.

set(XMT_FUZZ_LAYER_HARNESSES percent base64 lzstring inflate json form search decode)
# The whole plugin inside libwireshark (fuzz_epan.c): it links epan and the
# glue of plugin/wireshark/ (the frame APIs of 4.0-4.4 and of 4.5 on).
set(XMT_FUZZ_EPAN_HARNESSES epan)

function(xmt_fuzz_harnesses out)
  set(names ${XMT_FUZZ_LAYER_HARNESSES})
  if(DEFINED Wireshark_VERSION)
    list(APPEND names ${XMT_FUZZ_EPAN_HARNESSES})
  endif()
  set(ws "[ \t\r\n]*")
  set(arg "[^,()]*")
  file(GLOB headers "${PROJECT_SOURCE_DIR}/plugin/formats/*.h")
  list(SORT headers)
  file(READ "${PROJECT_SOURCE_DIR}/plugin/core/xmt_message.h" message_h)
  foreach(header ${headers})
    file(READ "${header}" text)
    string(REGEX MATCHALL
           "gboolean${ws}xmt_[a-z0-9_]+_recognise${ws}\\(${ws}const${ws}xmt_request${ws}\\*${arg},${ws}const${ws}xmt_form${ws}\\*${arg}\\)"
           recognisers "${text}")
    foreach(decl ${recognisers})
      string(REGEX REPLACE ".*xmt_([a-z0-9_]+)_recognise.*" "\\1" name "${decl}")
      if(NOT text MATCHES "void${ws}xmt_${name}_decode${ws}\\(${ws}const${ws}xmt_request${ws}\\*${arg},${ws}const${ws}xmt_form${ws}\\*${arg},${ws}const${ws}xmt_config${ws}\\*${arg},${ws}xmt_message${ws}\\*${arg}\\)")
        continue()
      endif()
      string(TOUPPER "${name}" upper)
      if(message_h MATCHES "XMT_SDK_${upper}[ \t,=]")
        set(sdk "XMT_SDK_${upper}")
      else()
        set(sdk "XMT_SDK_NONE")
      endif()
      get_filename_component(header_name "${header}" NAME)
      set(XMT_FUZZ_FORMAT_${name}_HEADER "formats/${header_name}" PARENT_SCOPE)
      set(XMT_FUZZ_FORMAT_${name}_SDK "${sdk}" PARENT_SCOPE)
      list(APPEND names "format_${name}")
    endforeach()
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()
