// gomap/version.hpp: the version of these headers (semantic versioning: a
// change of MAJOR may break code written for an older one). CMake's
// project() version and the installed package's version (gomapConfigVersion.cmake,
// gomap.pc, the .deb) must agree with it: configuring the project fails
// otherwise.
#pragma once

#define GOMAP_VERSION_MAJOR 0
#define GOMAP_VERSION_MINOR 1
#define GOMAP_VERSION_PATCH 0
#define GOMAP_VERSION_STRING "0.1.0"
// One number for comparisons in #if: MAJOR * 10000 + MINOR * 100 + PATCH.
#define GOMAP_VERSION (GOMAP_VERSION_MAJOR * 10000 + GOMAP_VERSION_MINOR * 100 + GOMAP_VERSION_PATCH)
