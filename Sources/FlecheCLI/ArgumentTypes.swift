import ArgumentParser
import Fleche

/// `--digest sha256|xxh3-128`: an unknown name is a usage error listing the choices.
extension DigestAlgorithm: ExpressibleByArgument {}

/// A duration as `fleche gc --prune` takes it: `now`, seconds (`90`), or a number with `s`,
/// `m`, `h` or `d` (`30s`, `15m`, `2h`, `7d`).
struct Age: ExpressibleByArgument, Sendable {
    /// The length in seconds.
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument text: String) {
        guard let seconds = try? StoreBudget.parseDuration(text) else { return nil }
        self.seconds = seconds
    }

    var defaultValueDescription: String {
        seconds.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(seconds / 3600))h" : "\(seconds)s"
    }
}

/// A size in bytes, as `fleche gc --max-size` takes it: bytes, or a number with K, M, G or T
/// (``StoreBudget/parseSize(_:)``).
struct ByteSize: ExpressibleByArgument, Sendable {
    /// The size in bytes.
    let bytes: Int

    init?(argument text: String) {
        guard let bytes = try? StoreBudget.parseSize(text) else { return nil }
        self.bytes = bytes
    }
}

/// `NAME=TEXT`, as `fleche query --arg` and `--arg-digest` take it.
struct NamedArgument: ExpressibleByArgument, Sendable {
    let name: String
    let text: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        name = String(argument[..<equals])
        text = String(argument[argument.index(after: equals)...])
    }
}
