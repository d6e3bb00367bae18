# gomap's install rules and its Debian package (included from the top-level
# CMakeLists.txt when gomap is the top-level project or GOMAP_INSTALL=ON).
#
# The layout (the design notes fix it; tests/packaging checks it):
#   include/gomap/...                    the headers (include/gomap/http/ with gomap::http)
#   lib/cmake/gomap/                     gomapConfig.cmake, gomapConfigVersion.cmake,
#                                        gomapTargets.cmake (gomap::gomap),
#                                        gomapHttpTargets.cmake (gomap::http, when built)
#   share/pkgconfig/gomap.pc             pkg-config (header-only, so arch-independent)
#   share/gomap/gdb/gomap_printers.py    the gdb pretty printers
#   share/gomap/gdb/gomap-gdb.py         the auto-load stub (docs/debugging.md)
#
# Components: `devel` is everything above but gomap::http, which is
# `http` (a static library built for this machine's architecture, with
# cpp-httplib and its TLS and compression libraries behind it). The .deb
# holds `devel` only, hence Architecture: all.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GOMAP_INSTALL_CMAKEDIR lib/cmake/gomap)

install(DIRECTORY include/gomap DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT devel)
install(TARGETS gomap EXPORT gomapTargets COMPONENT devel)
install(EXPORT gomapTargets NAMESPACE gomap:: DESTINATION ${GOMAP_INSTALL_CMAKEDIR}
        FILE gomapTargets.cmake COMPONENT devel)

if(TARGET gomap_http)
  install(TARGETS gomap_http EXPORT gomapHttpTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT http)
  install(DIRECTORY src/include/gomap DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT http)
  install(EXPORT gomapHttpTargets NAMESPACE gomap:: DESTINATION ${GOMAP_INSTALL_CMAKEDIR}
          FILE gomapHttpTargets.cmake COMPONENT http)
  install(FILES cmake/Findhttplib.cmake DESTINATION ${GOMAP_INSTALL_CMAKEDIR} COMPONENT http)
endif()

configure_package_config_file(cmake/gomapConfig.cmake.in "${PROJECT_BINARY_DIR}/gomapConfig.cmake"
  INSTALL_DESTINATION ${GOMAP_INSTALL_CMAKEDIR} NO_SET_AND_CHECK_MACRO)
# ARCH_INDEPENDENT: the version file is the header-only core's (the .deb is
# Architecture: all); gomap::http, when installed, is for the architecture
# it was built on, as any static library.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/gomapConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/gomapConfig.cmake" "${PROJECT_BINARY_DIR}/gomapConfigVersion.cmake"
        DESTINATION ${GOMAP_INSTALL_CMAKEDIR} COMPONENT devel)

# gomap.pc names the prefix it is installed under (`cmake --install --prefix`
# or the package's /usr), so it is written at install time; the version is
# filled in now and @GOMAP_PC_PREFIX@ kept for then.
set(GOMAP_PC_PREFIX "@GOMAP_PC_PREFIX@")
configure_file(cmake/gomap.pc.in "${PROJECT_BINARY_DIR}/gomap.pc.in" @ONLY)
install(CODE "
  set(GOMAP_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/gomap.pc.in\" \"${PROJECT_BINARY_DIR}/gomap.pc\" @ONLY)
" COMPONENT devel)
install(FILES "${PROJECT_BINARY_DIR}/gomap.pc" DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/pkgconfig COMPONENT devel)

install(FILES tools/gdb/gomap_printers.py tools/gdb/gomap-gdb.py
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/gomap/gdb COMPONENT devel)
install(FILES README.md docs/debugging.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT devel)

# `cpack -G DEB` in the build tree: gomap_<version>_all.deb, the `devel`
# component under /usr. Not when gomap is someone else's subproject
# (GOMAP_INSTALL=ON there): CPack's settings are the top-level project's.
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
set(CPACK_PACKAGE_NAME gomap)
set(CPACK_PACKAGE_VENDOR "gomap")
set(CPACK_PACKAGE_CONTACT "gomap maintainers <gomap@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Go's runtime hash map for C++20 (header-only)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "gomap ports the Go runtime's hash map to C++20: 8-slot buckets with tophash bytes and overflow chains, "
  "load factor 6.5, incremental growth and shrinking, behind a std::unordered_map-style API. This package "
  "holds the headers, the CMake package (find_package(gomap)), gomap.pc for pkg-config and the gdb pretty "
  "printers. Needs a C++20 compiler.")
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};gomap;devel;/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libxxhash-dev (>= 0.8.0)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, pkg-config, gdb")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_GENERATOR DEB)
include(CPack)
