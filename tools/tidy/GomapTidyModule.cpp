// libgomap_tidy.so: gomap's clang-tidy module, loaded with
//   clang-tidy-14 -load libgomap_tidy.so -checks='-*,gomap-*' file.cpp -- ...
// The plugin links none of clang-tidy's own libraries: it registers with the
// module registry of the clang-tidy executable that loads it.
#include <clang-tidy/ClangTidyModule.h>
#include <clang-tidy/ClangTidyModuleRegistry.h>

#include "UnsizedMapFillCheck.h"

namespace gomap::tidy {

class GomapModule : public clang::tidy::ClangTidyModule {
 public:
  void addCheckFactories(clang::tidy::ClangTidyCheckFactories& Factories) override {
    Factories.registerCheck<UnsizedMapFillCheck>("gomap-unsized-map-fill");
  }
};

}  // namespace gomap::tidy

static clang::tidy::ClangTidyModuleRegistry::Add<gomap::tidy::GomapModule> GomapModuleRegistration(
    "gomap-module", "gomap's checks: unsized hash maps filled in loops.");
