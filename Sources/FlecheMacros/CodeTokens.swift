import SwiftSyntax

/// A function's code as the compiler sees it, without trivia: the tokens of its name,
/// generic clause, signature and body, each once, separated by one space. Comments,
/// whitespace, line breaks and formatting are trivia and leave it unchanged; any edit to a
/// token (an identifier, a literal, an operator) changes it.
enum CodeTokens {
    /// The normalized text of `function` (its attributes and modifiers are left out: the
    /// macro's own arguments join the key by other means).
    static func text(of function: FunctionDeclSyntax) -> String {
        var parts: [String] = [function.name.text]
        for node in [Syntax(function.genericParameterClause), Syntax(function.signature), Syntax(function.genericWhereClause), Syntax(function.body)] {
            guard let node else { continue }
            for token in node.tokens(viewMode: .sourceAccurate) { parts.append(token.text) }
        }
        return parts.joined(separator: " ")
    }

    /// The SHA-256 of ``text(of:)``, in hexadecimal.
    static func digest(of function: FunctionDeclSyntax) -> String {
        SHA256.hex(Array(text(of: function).utf8))
    }
}
