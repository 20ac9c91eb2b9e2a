import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@Memoized`: memoizes a free function or a static method, with a digest of its code
/// (``CodeTokens``) joined to every key.
///
/// The body moves into a static function, wrapped once by `memoize(...)`, and the
/// function's new body calls that wrapper: for a free function both live in a local type
/// of the new body; for a static method they are peers of the method in its type. A peer property `__flecheCode_<name>` holds
/// the code digest (own tokens plus those of `dependsOn:` functions), so other memoized
/// functions can depend on this one.
public struct MemoizedMacro: BodyMacro, PeerMacro {
    /// The function's new body: the wrapper's call (a local type holding the body and the
    /// wrapper first, for a free function), and for a function that cannot throw, its body
    /// run uncached when the store fails.
    public static func expansion(
        of node: AttributeSyntax, providingBodyFor declaration: some DeclSyntaxProtocol & WithOptionalCodeBlockSyntax,
        in context: some MacroExpansionContext
    ) throws -> [CodeBlockItemSyntax] {
        let parts = try Parts(node, declaration, in: context)
        let call = parts.call
        var items: [CodeBlockItemSyntax] = []
        // Free functions keep the wrapper in a local type; static methods get it as members
        // (peers), where the body's unqualified references to other static members resolve.
        if !parts.function.inType { items.append(CodeBlockItemSyntax(item: .decl("enum __Fleche {\n\(raw: parts.bodyDecl)\n\(raw: parts.wrapperDecl)\n}"))) }
        if parts.function.isThrowing {
            items.append("return \(raw: call.wrapper)")
            return items
        }
        // A function that cannot throw runs its body uncached when the store cannot be read.
        let fallback: StmtSyntax = """
            do {
                return \(raw: call.wrapper)
            } catch {
                FlecheMemoized.MemoizedCode.runningUncached(\(raw: parts.keyName), after: error)
                return \(raw: call.body)
            }
            """
        items.append(CodeBlockItemSyntax(item: .stmt(fallback)))
        return items
    }

    /// What the expansions of one function share.
    struct Parts {
        let function: MemoizableFunction
        /// The name in keys, as source.
        let keyName: String
        let bodyDecl: String
        let wrapperDecl: String
        /// The calls of the wrapper and of the body with the function's parameters.
        let call: (wrapper: String, body: String)

        init(_ node: AttributeSyntax, _ declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext) throws {
            let function = try MemoizableFunction(declaration, in: context)
            let arguments = MacroArguments(node)
            let parameters = function.parameters
            let effects = (function.isAsync ? " async" : "") + (function.isThrowing ? " throws" : "")
            let bodyCall = (function.isThrowing ? "try " : "") + (function.isAsync ? "await " : "")
            let wrapperCall = "try " + (function.isAsync ? "await " : "")
            let declaredParameters = parameters.map { "_ \($0.name): \($0.type)" }.joined(separator: ", ")
            let closureParameters = parameters.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
            let passed = parameters.map(\.name).joined(separator: ", ")
            let names = parameters.map { "\"\($0.name)\"" }.joined(separator: ", ")
            let module = context.location(of: declaration, at: .afterLeadingTrivia, filePathMode: .fileID)?.file.description ?? "#fileID"
            let keyName = arguments.name ?? "\"\(function.name)\""
            var memoizeArguments = [keyName, "module: \(module)"]
            if let version = arguments.passed["version"] { memoizeArguments.append("version: \(version)") }
            memoizeArguments.append("codeDigest: \(MemoizedMacro.codeProperty(function.name))")
            memoizeArguments.append("arguments: [\(names)]")
            for label in ["ignoring", "requiring", "metadata", "cache", "singleFlight"] {
                if let value = arguments.passed[label] { memoizeArguments.append("\(label): \(value)") }
            }
            let (bodyName, wrapperName) = function.inType
                ? ("__flecheBody_\(function.name)", "__flecheMemoized_\(function.name)")
                : ("__flecheBody", "__flecheFunction")
            self.function = function
            self.keyName = keyName
            self.bodyDecl = """
                static func \(bodyName)(\(declaredParameters))\(effects) -> \(function.returnType) {\(function.body.statements.description)
                }
                """
            self.wrapperDecl = """
                static let \(wrapperName) = FlecheMemoized.memoize(\(memoizeArguments.joined(separator: ", "))) { (\(closureParameters))\(effects) -> \(function.returnType) in
                    \(bodyCall)\(bodyName)(\(passed))
                }
                """
            let prefix = function.inType ? "" : "__Fleche."
            self.call = ("\(wrapperCall)\(prefix)\(wrapperName)(\(passed))", "\(bodyCall)\(prefix)\(bodyName)(\(passed))")
        }
    }

    /// The code-digest property `__flecheCode_<name>`, and for a static method the body and
    /// the wrapper as members of its type.
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard let function = declaration.as(FunctionDeclSyntax.self) else { return [] }
        let code = codeDigestPeer(for: function, dependencies: MacroArguments(node).dependencies, in: context)
        guard let parts = try? Parts(node, declaration, in: context), parts.function.inType else { return [code] }
        return [code, "\(raw: parts.bodyDecl)", "\(raw: parts.wrapperDecl)"]
    }

    /// The name of the property holding a function's code digest.
    static func codeProperty(_ functionName: String) -> String { "__flecheCode_\(functionName)" }

    /// `[static] var __flecheCode_<name>: Digest { own code digest combined with the dependencies' }`.
    static func codeDigestPeer(
        for function: FunctionDeclSyntax, dependencies: [ExprSyntax], in context: some MacroExpansionContext
    ) -> DeclSyntax {
        let inType = MemoizableFunction.isInType(context)
        let dependencyProperties = dependencies.map(dependencyProperty).joined(separator: ", ")
        return """
            /// The digest of `\(raw: function.name.text)`'s code (tokens without trivia) and of the functions it depends on.
            \(raw: inType ? "static " : "")var \(raw: codeProperty(function.name.text)): FlecheMemoized.Digest {
                FlecheMemoized.MemoizedCode.digest(own: "\(raw: CodeTokens.digest(of: function))", dependencies: [\(raw: dependencyProperties)])
            }
            """
    }

    /// `helper` → `__flecheCode_helper`; `Type.helper` → `Type.__flecheCode_helper`.
    static func dependencyProperty(_ expression: ExprSyntax) -> String {
        if let reference = expression.as(DeclReferenceExprSyntax.self) {
            return codeProperty(reference.baseName.text)
        }
        if let member = expression.as(MemberAccessExprSyntax.self), let base = member.base {
            return "\(base.trimmedDescription).\(codeProperty(member.declName.baseName.text))"
        }
        // Anything else does not name a function: the compiler reports the missing property.
        return codeProperty(expression.trimmedDescription)
    }
}

/// `@CodeDigest`: gives a function that is not memoized a code digest property, so that
/// memoized functions can list it in `dependsOn:`.
public struct CodeDigestMacro: PeerMacro {
    /// The code-digest property `__flecheCode_<name>` of the function it is attached to.
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard let function = declaration.as(FunctionDeclSyntax.self) else {
            throw MacroUsageError("@CodeDigest applies to a function declaration")
        }
        return [MemoizedMacro.codeDigestPeer(for: function, dependencies: MacroArguments(node).dependencies, in: context)]
    }
}
