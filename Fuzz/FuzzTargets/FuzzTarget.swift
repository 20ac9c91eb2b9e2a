/// One decoder under fuzzing: its name (the value of `FLECHE_FUZZ_TARGET` and the folder of
/// its seeds in `Fuzz/Seeds/` and its regressions in `Fuzz/Regressions/`) and a check that
/// throws (``BrokenPromise``) when the decoder breaks a promise.
///
/// Every target holds the decoder to the same promises: any input gets a value or a typed
/// error, never a crash, a hang, an allocation beyond what the input can justify or a stack
/// overflow; and where two readers of one format exist, they agree. The fuzzer (`FlecheFuzz`,
/// `make fuzz`) traps on a broken promise; the test suite runs every seed and regression
/// input through the same checks.
package struct FuzzTarget: Sendable {
    /// The target's name.
    package let name: String
    /// Checks one input.
    package let run: @Sendable (UnsafeRawBufferPointer) throws -> Void

    /// Every target, in the order `make fuzz` runs them.
    package static let all: [FuzzTarget] = [.json, .manifest, .object, .valueCodec, .storeFormat, .configuration, .digestPrefix]

    /// Checks `bytes`; what it throws is a broken promise.
    package func check(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try run($0) }
    }
}

/// A decoder broke one of its promises on an input.
package struct BrokenPromise: Error, CustomStringConvertible {
    /// What went wrong.
    package let description: String
}

/// Throws ``BrokenPromise`` with `message` unless `condition` holds.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) throws {
    if !condition() { throw BrokenPromise(description: message()) }
}
