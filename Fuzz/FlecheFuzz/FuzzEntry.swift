import Foundation
import FuzzTargets

// libFuzzer's entry points. The binary is built with `-sanitize=fuzzer,address`
// (scripts/fuzz.sh), so libFuzzer supplies `main` and calls these.

/// The target this process runs, chosen once from `FLECHE_FUZZ_TARGET`.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FLECHE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("FlecheFuzz: set FLECHE_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(64)
    }
    return target
}()

/// Chooses the target before the first input, so that a missing name fails at once.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    _ = selectedTarget
    return 0
}

/// Runs one input through the selected target; a broken invariant traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    do {
        try selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("broken promise in \(selectedTarget.name): \(error)")
    }
    return 0
}
