// gomap-unsized-map-fill: a hash map built without a capacity and then filled
// in a loop whose trip count was known before the loop. Each growth on the
// way evacuates (or rehashes) everything inserted so far; reserve(count)
// before the loop allocates the final table once. docs/lint-and-audit.md.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <clang-tidy/ClangTidyCheck.h>

namespace gomap::tidy {

class UnsizedMapFillCheck : public clang::tidy::ClangTidyCheck {
 public:
  UnsizedMapFillCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext* Context);
  bool isLanguageVersionSupported(const clang::LangOptions& LangOpts) const override { return LangOpts.CPlusPlus; }
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap& Opts) override;
  void registerMatchers(clang::ast_matchers::MatchFinder* Finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& Result) override;

 private:
  const std::string RawMapLikeClasses;
  const std::vector<std::string> MapLikeClasses;
  const unsigned MinTripCount;
  // (map, loop) pairs already reported: a loop with several inserts into one
  // map is reported once.
  std::set<std::pair<const void*, const void*>> Reported;
};

}  // namespace gomap::tidy
