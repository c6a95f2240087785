# A Debian package of the plugin for the Wireshark it was built against (`cpack -G DEB`
# in a build configured with -DXMTRACK_SYSTEM_INSTALL=ON; scripts/package.sh does both).
#
# A plugin binary loads only into the Wireshark minor version it was built for, and each
# minor version has its own libwireshark ABI package (libwireshark16 is 4.0, libwireshark18
# 4.4, libwireshark19 4.6). So the package depends on exactly that ABI package, within the
# minor version, and apt refuses it next to any other Wireshark.
get_target_property(_xmt_soname epan IMPORTED_SONAME_NONE)
if(NOT _xmt_soname)
  get_target_property(_xmt_soname epan IMPORTED_SONAME_RELEASE)
endif()
string(REGEX REPLACE "^libwireshark\\.so\\.([0-9]+)$" "libwireshark\\1" XMTRACK_ABI_PACKAGE "${_xmt_soname}")
if(NOT XMTRACK_ABI_PACKAGE MATCHES "^libwireshark[0-9]+$")
  message(WARNING "libwireshark's soname (${_xmt_soname}) is not libwireshark.so.N: no Debian package")
  return()
endif()
math(EXPR _xmt_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_xmt_ws "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xmtrack)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}+ws${_xmt_ws}")
set(CPACK_PACKAGE_CONTACT "xmtrack developers <xmtrack@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin that decodes vendor analytics traffic (Wireshark ${_xmt_ws})")
set(CPACK_PACKAGE_DESCRIPTION "xmtrack recognises Sensors Analytics and Xiaomi analytics uploads in HTTP,\n\
decodes every layer and shows each event as filterable xmtrack.* fields.\n\
This build is for Wireshark ${_xmt_ws} only.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${XMTRACK_ABI_PACKAGE} (>= ${_xmt_ws}), ${XMTRACK_ABI_PACKAGE} (<< ${Wireshark_MAJOR_VERSION}.${_xmt_next_minor}~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark | wireshark")
include(CPack)
