@_exported import Fleche

/// Memoizes the function it is attached to, with a digest of the function's code in every
/// key: editing a comment, whitespace or formatting keeps every stored call; editing a token
/// of its signature or body (an identifier, a literal, an operator) makes new keys.
///
/// ```swift
/// import FlecheMemoized
///
/// @CodeDigest
/// func normalize(_ xs: [Double]) -> [Double] { let m = xs.max() ?? 1; return xs.map { $0 / m } }
///
/// @Memoized(version: "2", dependsOn: normalize)
/// func simulate(seed: Int, steps: Int) throws -> [Double] {
///     normalize(expensiveSimulation(seed, steps))
/// }
///
/// let a = try simulate(seed: 42, steps: 10_000)   // runs the body once; later calls hit
/// ```
///
/// It applies to free functions and static methods that are not generic and return a
/// `Codable` result; arguments are `Encodable` and named by their parameter names. The code
/// digest covers the function's name, signature and body tokens, plus the code digests of
/// the functions `dependsOn:` lists (each `@Memoized` or `@CodeDigest`, referred to by name
/// or as `Type.name`), so editing a helper the body calls changes the key too. The other
/// arguments are those of `memoize(...)`; the name defaults to the function's.
///
/// A function that does not throw runs its body uncached, with a warning, when its store
/// cannot be read. Overloads of one name cannot both be `@Memoized` (their code-digest
/// properties, `__flecheCode_<name>`, would collide).
@attached(body)
@attached(peer, names: prefixed(__flecheCode_), prefixed(__flecheBody_), prefixed(__flecheMemoized_))
public macro Memoized(
    _ name: String? = nil, version: String? = nil, dependsOn: Any..., ignoring: Set<String> = [],
    requiring: Set<String> = [], metadata: [any MetadataCollector]? = nil, cache: (any BaseCache)? = nil,
    singleFlight: SingleFlight = .default
) = #externalMacro(module: "FlecheMacros", type: "MemoizedMacro")

/// Gives a function that is not memoized a code digest (its tokens without trivia, plus
/// those of the functions in `dependsOn:`), so that `@Memoized` functions can list it in
/// their `dependsOn:`.
@attached(peer, names: prefixed(__flecheCode_))
public macro CodeDigest(dependsOn: Any...) = #externalMacro(module: "FlecheMacros", type: "CodeDigestMacro")
