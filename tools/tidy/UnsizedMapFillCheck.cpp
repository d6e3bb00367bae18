// gomap-unsized-map-fill. What it flags, what it leaves alone and why:
// docs/lint-and-audit.md.
//
// The shape it looks for, in one function body:
//
//   Map m;                        // a local, built with no capacity
//   ...                           // m not mentioned
//   for (... known trip count)    // a range-for over a range with size(),
//     m.insert(...);              //   or `for (i = a; i < b; ++i)`
//
// It is matched from the fill (insert, emplace, try_emplace, insert_or_assign,
// operator[]) outwards: the fill's enclosing loops up to the block that
// declares the map must be exactly one loop (nested loops fill a total the
// check cannot name before the outer loop), with the fill in its body and
// not under a condition there (then the loop inserts fewer entries than it
// runs, and reserving its count could reserve far too much).
#include "UnsizedMapFillCheck.h"

#include <optional>
#include <string>

#include <clang-tidy/utils/OptionsUtils.h>
#include <clang/AST/ASTContext.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/ASTMatchers/ASTMatchFinder.h>
#include <clang/Lex/Lexer.h>

using namespace clang;
using namespace clang::ast_matchers;

namespace gomap::tidy {
namespace {

constexpr char DefaultMapLikeClasses[] =
    "::std::unordered_map;::std::unordered_set;::gomap::map;::gomap::set;"
    "::absl::flat_hash_map;::absl::flat_hash_set;::boost::unordered::unordered_flat_map;"
    "::boost::unordered::unordered_flat_set";
// Below this many entries a gomap map never grows (its first bucket holds 8)
// and other tables grow a couple of times at most.
constexpr unsigned DefaultMinTripCount = 8;

// What the check knows of a loop's trip count.
struct TripCount {
  std::string Text;                  // the expression to reserve; empty: not nameable without re-evaluating
  std::optional<llvm::APSInt> Value;  // when it is a constant
};

std::string sourceText(const Expr* E, const ASTContext& Ctx) {
  const SourceManager& SM = Ctx.getSourceManager();
  const CharSourceRange R =
      Lexer::makeFileCharRange(CharSourceRange::getTokenRange(E->getSourceRange()), SM, Ctx.getLangOpts());
  if (R.isInvalid()) return {};
  return Lexer::getSourceText(R, SM, Ctx.getLangOpts()).str();
}

// An expression that needs no parentheses as the left operand of `-` or `+`.
bool isPrimary(const Expr* E) {
  E = E->IgnoreParenImpCasts();
  return isa<DeclRefExpr, IntegerLiteral, MemberExpr, CallExpr, ParenExpr, UnaryExprOrTypeTraitExpr>(E);
}

const VarDecl* refersToVar(const Expr* E) {
  if (const auto* D = dyn_cast_or_null<DeclRefExpr>(E ? E->IgnoreParenImpCasts() : nullptr))
    return dyn_cast<VarDecl>(D->getDecl());
  return nullptr;
}

// Strips what wraps a constructor call in an initializer (`= T()`, `= T{}`).
const CXXConstructExpr* constructorCall(const Expr* E) {
  while (E) {
    E = E->IgnoreImplicit();
    if (const auto* C = dyn_cast<CXXConstructExpr>(E)) {
      // A copy or move elided in C++17 still shows as a constructor of the temporary.
      if (C->getConstructor()->isCopyOrMoveConstructor() && C->getNumArgs() == 1) {
        E = C->getArg(0);
        continue;
      }
      return C;
    }
    if (const auto* F = dyn_cast<CXXFunctionalCastExpr>(E)) {
      E = F->getSubExpr();
      continue;
    }
    if (const auto* P = dyn_cast<ParenExpr>(E)) {
      E = P->getSubExpr();
      continue;
    }
    return nullptr;
  }
  return nullptr;
}

bool isAllocatorLike(QualType T) {
  T = T.getNonReferenceType().getUnqualifiedType();
  if (T->isPointerType()) T = T->getPointeeType().getUnqualifiedType();
  const auto* RD = T->getAsCXXRecordDecl();
  if (!RD) return false;
  const std::string Name = RD->getName().str();
  return Name.find("allocator") != std::string::npos || Name.find("memory_resource") != std::string::npos;
}

// Built with no capacity: no argument, or an allocator (or memory resource)
// only. A size, a bucket count, a range, a list or another map: not flagged.
bool isBuiltWithoutCapacity(const VarDecl* Var) {
  const CXXConstructExpr* C = constructorCall(Var->getInit());
  if (!C) return false;
  const CXXConstructorDecl* Ctor = C->getConstructor();
  for (unsigned I = 0; I < C->getNumArgs(); ++I) {
    if (isa<CXXDefaultArgExpr>(C->getArg(I))) continue;
    if (I >= Ctor->getNumParams() || !isAllocatorLike(Ctor->getParamDecl(I)->getType())) return false;
  }
  return true;
}

bool hasSizeMethod(QualType T, ASTContext& Ctx) {
  const auto* RD = T.getNonReferenceType()->getAsCXXRecordDecl();
  if (!RD || !RD->hasDefinition()) return false;
  auto M = cxxRecordDecl(isSameOrDerivedFrom(cxxRecordDecl(hasMethod(cxxMethodDecl(hasName("size"), parameterCountIs(0))))));
  return !match(M, *RD, Ctx).empty();
}

std::optional<TripCount> rangeForCount(const CXXForRangeStmt* RF, ASTContext& Ctx) {
  const Expr* Range = RF->getRangeInit();
  if (!Range) return std::nullopt;
  Range = Range->IgnoreParenImpCasts();
  if (const auto* IL = dyn_cast<CXXStdInitializerListExpr>(Range)) Range = IL->getSubExpr()->IgnoreParenImpCasts();
  if (const auto* IL = dyn_cast<InitListExpr>(Range)) {
    llvm::APSInt N(llvm::APInt(64, IL->getNumInits()), /*isUnsigned=*/true);
    return TripCount{std::to_string(IL->getNumInits()), N};
  }
  const QualType T = Range->getType().getNonReferenceType();
  if (const ConstantArrayType* A = Ctx.getAsConstantArrayType(T)) {
    llvm::APSInt N(A->getSize(), /*isUnsigned=*/true);
    return TripCount{std::to_string(A->getSize().getZExtValue()), N};
  }
  if (!hasSizeMethod(T, Ctx)) return std::nullopt;  // an input range: the count is not known
  // A named range (a variable, a member) is read again for its size; a call
  // or a temporary would be evaluated twice, so it gets no fix-it.
  const Expr* Base = Range;
  while (const auto* M = dyn_cast<MemberExpr>(Base)) Base = M->getBase()->IgnoreParenImpCasts();
  if (!isa<DeclRefExpr, CXXThisExpr>(Base)) return TripCount{};
  const std::string Text = sourceText(Range, Ctx);
  if (Text.empty()) return TripCount{};
  return TripCount{Text + ".size()", std::nullopt};
}

bool modifies(const Stmt* Body, const VarDecl* IV, ASTContext& Ctx) {
  auto IVRef = ignoringParenImpCasts(declRefExpr(to(varDecl(equalsNode(IV)))));
  auto M = stmt(anyOf(binaryOperator(isAssignmentOperator(), hasLHS(IVRef)),
                      unaryOperator(hasAnyOperatorName("++", "--"), hasUnaryOperand(IVRef)),
                      unaryOperator(hasOperatorName("&"), hasUnaryOperand(IVRef))));
  return !match(findAll(M.bind("m")), *Body, Ctx).empty();
}

std::optional<TripCount> indexForCount(const ForStmt* F, ASTContext& Ctx) {
  // init: `T i = start` or `i = start`
  const VarDecl* IV = nullptr;
  const Expr* Start = nullptr;
  if (const auto* DS = dyn_cast_or_null<DeclStmt>(F->getInit())) {
    if (!DS->isSingleDecl()) return std::nullopt;
    IV = dyn_cast<VarDecl>(DS->getSingleDecl());
    if (IV) Start = IV->getInit();
  } else if (const auto* BO = dyn_cast_or_null<BinaryOperator>(F->getInit())) {
    if (BO->getOpcode() == BO_Assign) {
      IV = refersToVar(BO->getLHS());
      Start = BO->getRHS();
    }
  }
  if (!IV || !Start || !IV->getType()->isIntegerType()) return std::nullopt;
  // cond: i < b, i <= b, i != b, b > i, b >= i
  const auto* Cond = dyn_cast_or_null<BinaryOperator>(F->getCond() ? F->getCond()->IgnoreParenImpCasts() : nullptr);
  if (!Cond) return std::nullopt;
  const Expr* Bound = nullptr;
  bool Inclusive = false;
  switch (Cond->getOpcode()) {
    case BO_LT:
    case BO_NE:
    case BO_LE:
      if (refersToVar(Cond->getLHS()) != IV) return std::nullopt;
      Bound = Cond->getRHS();
      Inclusive = Cond->getOpcode() == BO_LE;
      break;
    case BO_GT:
    case BO_GE:
      if (refersToVar(Cond->getRHS()) != IV) return std::nullopt;
      Bound = Cond->getLHS();
      Inclusive = Cond->getOpcode() == BO_GE;
      break;
    default:
      return std::nullopt;
  }
  // inc: ++i, i++, i += 1
  const Expr* Inc = F->getInc() ? F->getInc()->IgnoreParenImpCasts() : nullptr;
  bool StepOne = false;
  if (const auto* U = dyn_cast_or_null<UnaryOperator>(Inc)) {
    StepOne = U->isIncrementOp() && refersToVar(U->getSubExpr()) == IV;
  } else if (const auto* CA = dyn_cast_or_null<CompoundAssignOperator>(Inc)) {
    const auto One = CA->getRHS()->getIntegerConstantExpr(Ctx);
    StepOne = CA->getOpcode() == BO_AddAssign && refersToVar(CA->getLHS()) == IV && One && *One == 1;
  }
  if (!StepOne) return std::nullopt;
  // The bound is evaluated at every test: it must not change along the way.
  if (Bound->HasSideEffects(Ctx, /*IncludePossibleEffects=*/false)) return std::nullopt;
  if (!match(findAll(declRefExpr(to(varDecl(equalsNode(IV))))), *Bound, Ctx).empty()) return std::nullopt;
  if (F->getBody() && modifies(F->getBody(), IV, Ctx)) return std::nullopt;

  const llvm::Optional<llvm::APSInt> S = Start->getIntegerConstantExpr(Ctx);
  const llvm::Optional<llvm::APSInt> B = Bound->getIntegerConstantExpr(Ctx);
  if (S && B) {
    const int64_t N = B->getExtValue() - S->getExtValue() + (Inclusive ? 1 : 0);
    if (N <= 0) return std::nullopt;
    return TripCount{std::to_string(N), llvm::APSInt(llvm::APInt(64, static_cast<uint64_t>(N)), true)};
  }
  const std::string BoundText = sourceText(Bound, Ctx);
  if (BoundText.empty()) return TripCount{};
  const std::string Plus1 = Inclusive ? " + 1" : "";
  if (S && S->isZero()) return TripCount{BoundText + Plus1, std::nullopt};
  const Expr* St = Start->IgnoreParenImpCasts();
  // `for (i = a; i < a + n; ++i)`: n.
  if (const auto* Sum = dyn_cast<BinaryOperator>(Bound->IgnoreParenImpCasts());
      Sum && Sum->getOpcode() == BO_Add && refersToVar(St) && refersToVar(Sum->getLHS()) == refersToVar(St)) {
    const std::string N = sourceText(Sum->getRHS(), Ctx);
    if (!N.empty()) return TripCount{N + Plus1, std::nullopt};
  }
  if (isa<IntegerLiteral, DeclRefExpr>(St)) {
    const std::string Lhs = isPrimary(Bound) ? BoundText : "(" + BoundText + ")";
    return TripCount{Lhs + " - " + sourceText(St, Ctx) + Plus1, std::nullopt};
  }
  return TripCount{BoundText + Plus1, std::nullopt};  // an upper bound of the count: over-reserving is harmless
}

std::optional<TripCount> tripCount(const Stmt* Loop, ASTContext& Ctx) {
  if (const auto* RF = dyn_cast<CXXForRangeStmt>(Loop)) return rangeForCount(RF, Ctx);
  if (const auto* F = dyn_cast<ForStmt>(Loop)) return indexForCount(F, Ctx);
  return std::nullopt;  // while, do: the count is not known before the loop
}

const Stmt* loopBody(const Stmt* Loop) {
  if (const auto* RF = dyn_cast<CXXForRangeStmt>(Loop)) return RF->getBody();
  if (const auto* F = dyn_cast<ForStmt>(Loop)) return F->getBody();
  if (const auto* W = dyn_cast<WhileStmt>(Loop)) return W->getBody();
  if (const auto* D = dyn_cast<DoStmt>(Loop)) return D->getBody();
  return nullptr;
}

// The indentation of the line `Loc` starts, when only blanks precede it.
std::optional<std::string> indentationOf(SourceLocation Loc, const SourceManager& SM) {
  const auto [File, Offset] = SM.getDecomposedLoc(Loc);
  bool Invalid = false;
  const llvm::StringRef Buf = SM.getBufferData(File, &Invalid);
  if (Invalid) return std::nullopt;
  unsigned Begin = Offset;
  while (Begin > 0 && Buf[Begin - 1] != '\n') --Begin;
  const llvm::StringRef Prefix = Buf.slice(Begin, Offset);
  if (Prefix.find_first_not_of(" \t") != llvm::StringRef::npos) return std::nullopt;
  return Prefix.str();
}

}  // namespace

UnsizedMapFillCheck::UnsizedMapFillCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext* Context)
    : ClangTidyCheck(Name, Context),
      RawMapLikeClasses(Options.get("MapLikeClasses", DefaultMapLikeClasses)),
      MapLikeClasses(clang::tidy::utils::options::parseStringList(RawMapLikeClasses)),
      MinTripCount(Options.get("MinTripCount", DefaultMinTripCount)) {}

void UnsizedMapFillCheck::storeOptions(clang::tidy::ClangTidyOptions::OptionMap& Opts) {
  Options.store(Opts, "MapLikeClasses", RawMapLikeClasses);
  Options.store(Opts, "MinTripCount", MinTripCount);
}

void UnsizedMapFillCheck::registerMatchers(MatchFinder* Finder) {
  std::vector<llvm::StringRef> Names(MapLikeClasses.begin(), MapLikeClasses.end());
  auto MapType = hasUnqualifiedDesugaredType(recordType(hasDeclaration(cxxRecordDecl(hasAnyName(Names)))));
  // Locals only: a member's or a static's lifetime spans calls, and what
  // fills it before or after this loop is not in view.
  auto MapVar = varDecl(hasLocalStorage(), unless(parmVarDecl()), hasType(MapType)).bind("map");
  auto MapRef = ignoringParenImpCasts(declRefExpr(to(MapVar)));
  auto Fill = expr(anyOf(cxxMemberCallExpr(on(MapRef), callee(cxxMethodDecl(hasAnyName(
                                                             "insert", "emplace", "emplace_hint", "try_emplace",
                                                             "insert_or_assign")))),
                         cxxOperatorCallExpr(hasOverloadedOperatorName("[]"), hasArgument(0, MapRef))),
                   hasAncestor(stmt(anyOf(forStmt(), cxxForRangeStmt()))));
  Finder->addMatcher(traverse(TK_AsIs, Fill.bind("fill")), this);
}

void UnsizedMapFillCheck::check(const MatchFinder::MatchResult& Result) {
  const auto* Var = Result.Nodes.getNodeAs<VarDecl>("map");
  const auto* Fill = Result.Nodes.getNodeAs<Expr>("fill");
  ASTContext& Ctx = *Result.Context;
  const SourceManager& SM = *Result.SourceManager;
  if (!Var || !Fill || !isBuiltWithoutCapacity(Var)) return;

  // The block that declares the map.
  const auto VarParents = Ctx.getParents(*Var);
  const DeclStmt* DS = VarParents.empty() ? nullptr : VarParents[0].get<DeclStmt>();
  if (!DS) return;
  const auto DSParents = Ctx.getParents(*DS);
  const CompoundStmt* Scope = DSParents.empty() ? nullptr : DSParents[0].get<CompoundStmt>();
  if (!Scope) return;

  // The loops between the fill and that block.
  std::vector<const Stmt*> Loops;
  DynTypedNode Node = DynTypedNode::create(*Fill);
  const Stmt* Prev = Fill;
  for (;;) {
    const auto Parents = Ctx.getParents(Node);
    if (Parents.empty()) return;
    Node = Parents[0];
    if (const auto* S = Node.get<Stmt>()) {
      if (S == Scope) break;
      if (isa<LambdaExpr, BlockExpr>(S)) return;  // filled when the lambda runs: not this loop's business
      // A fill under a condition inside the loop inserts fewer entries than
      // the loop runs: reserving the trip count could reserve far too much.
      // (A condition around the loop itself is fine.)
      if (Loops.empty()) {
        if (isa<IfStmt, SwitchStmt, SwitchCase, AbstractConditionalOperator>(S)) return;
        if (const auto* BO = dyn_cast<BinaryOperator>(S); BO && BO->isLogicalOp()) return;
      }
      if (isa<ForStmt, CXXForRangeStmt, WhileStmt, DoStmt>(S)) {
        if (loopBody(S) != Prev) return;  // in the loop's header, not its body
        Loops.push_back(S);
      }
      Prev = S;
    } else if (Node.get<VarDecl>() == nullptr) {
      return;  // a function, a class: left the map's scope
    }
  }
  // Nested loops: the total is a sum or product of counts, known only while
  // the outer loop runs; a reserve before the inner loop would reserve one
  // part of it. Not flagged (docs/lint-and-audit.md).
  if (Loops.size() != 1) return;
  const Stmt* Loop = Loops.front();
  if (!Reported.insert({Var, Loop}).second) return;

  const std::optional<TripCount> Count = tripCount(Loop, Ctx);
  if (!Count) return;
  if (Count->Value && Count->Value->getZExtValue() < MinTripCount) return;

  // Any mention of the map between its declaration and the loop (reserve,
  // rehash, assignment, a call that takes it) leaves its capacity unknown.
  auto Refs = match(findAll(declRefExpr(to(varDecl(equalsNode(Var)))).bind("ref")), *Scope, Ctx);
  for (const auto& R : Refs) {
    const SourceLocation L = R.getNodeAs<DeclRefExpr>("ref")->getBeginLoc();
    if (SM.isBeforeInTranslationUnit(DS->getEndLoc(), L) && SM.isBeforeInTranslationUnit(L, Loop->getBeginLoc()))
      return;
  }

  const std::string Name = Var->getName().str();
  const bool Fixable = !Count->Text.empty() && Loop->getBeginLoc().isFileID() &&
                       !Ctx.getParents(*Loop).empty() && Ctx.getParents(*Loop)[0].get<CompoundStmt>() != nullptr;
  const std::optional<std::string> Indent = indentationOf(Loop->getBeginLoc(), SM);
  {
    auto D = diag(Fill->getBeginLoc(),
                  "'%0' is filled in a loop of known trip count but was constructed without a capacity: each "
                  "growth on the way moves every entry inserted so far; reserve %1 before the loop")
             << Name << (Count->Text.empty() ? std::string("the range's size") : Count->Text);
    if (Fixable) {
      const std::string Insert =
          Name + ".reserve(" + Count->Text + ");" + (Indent ? "\n" + *Indent : std::string(" "));
      D << FixItHint::CreateInsertion(Loop->getBeginLoc(), Insert);
    }
  }
  diag(Var->getLocation(), "'%0' constructed here", DiagnosticIDs::Note) << Name;
}

}  // namespace gomap::tidy
