import FlecheMemoized
import SwiftParser
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacros
import SwiftSyntaxMacrosGenericTestSupport
import Testing
@testable import FlecheMacros

private let macroTypes: [String: any Macro.Type] = ["Memoized": MemoizedMacro.self, "CodeDigest": CodeDigestMacro.self]
private let macros = macroTypes.mapValues { MacroSpec(type: $0) }

/// Fails the current test with swift-syntax's message when an expansion differs.
private func expect(_ source: String, expands expected: String, diagnostics: [DiagnosticSpec] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    assertMacroExpansion(
        source, expandedSource: expected, diagnostics: diagnostics, macroSpecs: macros, indentationWidth: .spaces(4),
        failureHandler: { Issue.record(Comment(rawValue: $0.message), sourceLocation: sourceLocation) })
}

/// The code digest of the one function declared in `source`.
private func digest(_ source: String) throws -> String {
    let file = Parser.parse(source: source)
    let function = try #require(file.statements.first?.item.as(FunctionDeclSyntax.self))
    return CodeTokens.digest(of: function)
}

@Suite("@Memoized expansion and code digests")
struct MacroExpansionTests {
    @Test("comments, whitespace and formatting keep the code digest; any token edit changes it")
    func codeDigestRules() throws {
        let original = try digest("""
            func f(x: Int) -> Int {
                let y = x * 2   // double it
                return y + 1
            }
            """)
        let reformatted = try digest("""
            /// Documented now.
            func f(x: Int)->Int { let y = x*2
              /* a block comment */ return y+1 }
            """)
        #expect(original == reformatted)
        for edited in [
            "func f(x: Int) -> Int { let y = x * 3\n return y + 1 }",  // a literal
            "func f(x: Int) -> Int { let z = x * 2\n return z + 1 }",  // a name
            "func f(x: Int) -> Int { let y = x * 2\n return y - 1 }",  // an operator
            "func f(x: Int64) -> Int { let y = x * 2\n return y + 1 }",  // the signature
            "func g(x: Int) -> Int { let y = x * 2\n return y + 1 }",  // the function's name
            "func f(x: Int) -> Int { let y = x * 2\n return y + 1; }",  // a token, however small
        ] {
            #expect(try digest(edited) != original, "\(edited)")
        }
        // Tokens are separated: joining two never makes the same text as one.
        #expect(try digest("func f() -> Int { a + b }") != digest("func f() -> Int { ab + b }"))
    }

    @Test("the compile-time SHA-256 agrees with swift-crypto's")
    func sha256() {
        for text in ["", "abc", String(repeating: "a", count: 55), String(repeating: "a", count: 56),
                     String(repeating: "xyz", count: 1000), "func f ( ) -> Int { 1 }"] {
            #expect(SHA256.hex(Array(text.utf8)) == DigestAlgorithm.sha256.hash(Array(text.utf8)).hex, "\(text.prefix(20))")
        }
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("a throwing function: the body moves into a wrapper memoized once, with its code digest")
    func throwingExpansion() throws {
        let code = try digest("func area(width: Double, height: Double) throws -> Double { width * height }")
        expect(
            """
            @Memoized(version: "2")
            func area(width: Double, height: Double) throws -> Double { width * height }
            """,
            expands: """
            func area(width: Double, height: Double) throws -> Double {
                enum __Fleche {
                    static func __flecheBody(_ width: Double, _ height: Double) throws -> Double {
                        width * height
                    }
                    static let __flecheFunction = FlecheMemoized.memoize("area", module: "TestModule/test.swift", version: "2", codeDigest: __flecheCode_area, arguments: ["width", "height"]) { (width: Double, height: Double) throws -> Double in
                        try __flecheBody(width, height)
                    }
                }
                return try __Fleche.__flecheFunction(width, height)
            }

            /// The digest of `area`'s code (tokens without trivia) and of the functions it depends on.
            var __flecheCode_area: FlecheMemoized.Digest {
                FlecheMemoized.MemoizedCode.digest(own: "\(code)", dependencies: [])
            }
            """)
    }

    @Test("a static method that cannot throw: body and wrapper become members of its type; it falls back to its body")
    func fallbackAndDependencies() throws {
        let code = try digest("static func label(_ x: Int, flag: Bool) async -> String { \"#\\(x)\" }")
        expect(
            """
            enum Labels {
                @Memoized("labels", dependsOn: helper, Other.tool, ignoring: ["flag"])
                static func label(_ x: Int, flag: Bool) async -> String { "#\\(x)" }
            }
            """,
            expands: """
            enum Labels {
                static func label(_ x: Int, flag: Bool) async -> String {
                    do {
                        return try await __flecheMemoized_label(x, flag)
                    } catch {
                        FlecheMemoized.MemoizedCode.runningUncached("labels", after: error)
                        return await __flecheBody_label(x, flag)
                    }
                }

                /// The digest of `label`'s code (tokens without trivia) and of the functions it depends on.
                static var __flecheCode_label: FlecheMemoized.Digest {
                    FlecheMemoized.MemoizedCode.digest(own: "\(code)", dependencies: [__flecheCode_helper, Other.__flecheCode_tool])
                }

                static func __flecheBody_label(_ x: Int, _ flag: Bool) async -> String {
                    "#\\(x)"
                }

                static let __flecheMemoized_label = FlecheMemoized.memoize("labels", module: "TestModule/test.swift", codeDigest: __flecheCode_label, arguments: ["x", "flag"], ignoring: ["flag"]) { (x: Int, flag: Bool) async -> String in
                    await __flecheBody_label(x, flag)
                }
            }
            """)
    }

    @Test("misuse is a compile error that says what to do")
    func misuse() {
        let cases: [(String, String)] = [
            ("@Memoized func f(x: Int) { }", "@Memoized needs a result to store: declare the function's return type (a Codable type)"),
            ("@Memoized func f<T: Codable>(x: T) -> T { x }", "@Memoized does not apply to a generic function; memoize each concrete version"),
            ("@Memoized func f(x: inout Int) -> Int { x }", "@Memoized cannot store a change to the inout parameter 'x'"),
            ("@Memoized func f(g: () throws -> Int) rethrows -> Int { try g() }", "@Memoized does not apply to a rethrows function"),
            ("@Memoized func f(x: Int, _: Int) -> Int { x }", "@Memoized needs parameter 2 named: its value is part of the key"),
        ]
        for (source, message) in cases {
            let result = expandedDiagnostics(source)
            #expect(result.contains(message), "\(source): \(result)")
        }
        let method = expandedDiagnostics("struct S { @Memoized func f(x: Int) -> Int { x } }")
        #expect(method.contains { $0.contains("make it static") }, "\(method)")
    }

    /// The diagnostics' messages of expanding `source`.
    private func expandedDiagnostics(_ source: String) -> [String] {
        let file = Parser.parse(source: source)
        var contexts: [BasicMacroExpansionContext] = []
        _ = file.expand(
            macros: macroTypes,
            contextGenerator: { node in
                let context = BasicMacroExpansionContext(lexicalContext: node.allMacroLexicalContexts())
                contexts.append(context)
                return context
            }, indentationWidth: .spaces(4))
        return contexts.flatMap(\.diagnostics).map(\.message)
    }
}
