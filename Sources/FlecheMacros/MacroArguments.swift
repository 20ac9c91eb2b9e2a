import SwiftSyntax

/// The arguments written in a `@Memoized(...)` or `@CodeDigest(...)` attribute, as source
/// text passed through to `memoize(...)`.
struct MacroArguments {
    /// The unlabeled first argument: the function's name in keys.
    var name: String?
    /// The functions listed after `dependsOn:` (a variadic list).
    var dependencies: [ExprSyntax] = []
    /// Every other labeled argument, by label.
    var passed: [String: String] = [:]

    init(_ attribute: AttributeSyntax) {
        guard case .argumentList(let list) = attribute.arguments else { return }
        var label: String?
        for (index, argument) in list.enumerated() {
            if let newLabel = argument.label?.text { label = newLabel } else if index == 0 { label = nil }
            switch label {
            case nil: name = argument.expression.trimmedDescription
            case "dependsOn": dependencies.append(argument.expression.trimmed)
            case let label?: passed[label] = argument.expression.trimmedDescription
            }
        }
    }
}

/// A misuse of a macro, reported by the compiler at the attribute.
struct MacroUsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
