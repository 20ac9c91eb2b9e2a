import SwiftSyntax
import SwiftSyntaxMacros

/// A function declaration `@Memoized` can wrap, or the error that says why it cannot.
struct MemoizableFunction {
    struct Parameter {
        /// The name the body uses.
        let name: String
        /// The type as the body sees it (`[T]` for a variadic `T...`).
        let type: String
    }

    let name: String
    let parameters: [Parameter]
    let returnType: TypeSyntax
    let isAsync: Bool
    let isThrowing: Bool
    let body: CodeBlockSyntax
    /// Whether it is declared in a type or an extension (a static method), not at file scope
    /// or in a function.
    let inType: Bool

    /// Whether a declaration expanded in `context` sits in a type or an extension.
    static func isInType(_ context: some MacroExpansionContext) -> Bool {
        context.lexicalContext.contains { $0.isProtocol((any DeclGroupSyntax).self) }
    }

    init(_ declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext) throws {
        guard let function = declaration.as(FunctionDeclSyntax.self) else {
            throw MacroUsageError("@Memoized applies to a function declaration")
        }
        guard let body = function.body else { throw MacroUsageError("@Memoized needs a function with a body") }
        guard let returnType = function.signature.returnClause?.type else {
            throw MacroUsageError("@Memoized needs a result to store: declare the function's return type (a Codable type)")
        }
        if function.genericParameterClause != nil || function.genericWhereClause != nil {
            throw MacroUsageError("@Memoized does not apply to a generic function; memoize each concrete version")
        }
        let inType = Self.isInType(context)
        let isStatic = function.modifiers.contains { ["static", "class"].contains($0.name.text) }
        if inType && !isStatic {
            throw MacroUsageError(
                "@Memoized applies to free functions and static methods: make it static and pass what it reads from self as arguments")
        }
        let effects = function.signature.effectSpecifiers
        if effects?.throwsClause?.throwsSpecifier.text == "rethrows" {
            throw MacroUsageError("@Memoized does not apply to a rethrows function")
        }
        var parameters: [Parameter] = []
        for (index, parameter) in function.signature.parameterClause.parameters.enumerated() {
            let name = (parameter.secondName ?? parameter.firstName).text
            if let attributed = parameter.type.as(AttributedTypeSyntax.self),
               attributed.specifiers.contains(where: { $0.trimmedDescription == "inout" }) {
                throw MacroUsageError("@Memoized cannot store a change to the inout parameter '\(name)'")
            }
            if name == "_" {
                throw MacroUsageError("@Memoized needs parameter \(index + 1) named: its value is part of the key")
            }
            let type = parameter.type.trimmedDescription
            parameters.append(Parameter(name: name, type: parameter.ellipsis == nil ? type : "[\(type)]"))
        }
        self.name = function.name.text
        self.parameters = parameters
        self.returnType = returnType.trimmed
        self.isAsync = effects?.asyncSpecifier != nil
        self.isThrowing = effects?.throwsClause != nil
        self.body = body
        self.inType = inType
    }
}
