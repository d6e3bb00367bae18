# Findhttplib.cmake: cpp-httplib for gomap::http, as the target httplib::httplib.
#
# Upstream cpp-httplib, built with CMake, installs a package that defines
# httplib::httplib; Debian's libcpp-httplib-dev ships only cpp-httplib.pc (a
# compiled libcpp-httplib.so). This module takes the first, else builds the
# same target from the second, so gomap::http links one name either way (it
# is the name its exported link interface carries). Used by gomap's own build
# and, through find_dependency, by the installed gomapConfig.cmake.
if(TARGET httplib::httplib)
  set(httplib_FOUND TRUE)
  return()
endif()

find_package(httplib CONFIG QUIET)
if(NOT TARGET httplib::httplib)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(_gomap_httplib QUIET IMPORTED_TARGET cpp-httplib)
  endif()
  if(TARGET PkgConfig::_gomap_httplib)
    add_library(httplib::httplib INTERFACE IMPORTED)
    target_link_libraries(httplib::httplib INTERFACE PkgConfig::_gomap_httplib)
    set(httplib_VERSION "${_gomap_httplib_VERSION}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
set(_gomap_httplib_target "")
if(TARGET httplib::httplib)
  set(_gomap_httplib_target httplib::httplib)
endif()
find_package_handle_standard_args(httplib
  REQUIRED_VARS _gomap_httplib_target
  VERSION_VAR httplib_VERSION
  REASON_FAILURE_MESSAGE "cpp-httplib not found (Debian: libcpp-httplib-dev, with pkg-config)")
