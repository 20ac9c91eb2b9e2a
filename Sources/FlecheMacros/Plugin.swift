import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin of `@Memoized` and `@CodeDigest`.
@main
struct FlecheMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [MemoizedMacro.self, CodeDigestMacro.self]
}
