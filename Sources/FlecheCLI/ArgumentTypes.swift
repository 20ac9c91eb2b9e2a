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
        if text == "now" {
            seconds = 0
            return
        }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            number = number.dropLast()
            scale = unit
        }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        seconds = value * scale
    }

    var defaultValueDescription: String {
        seconds.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(seconds / 3600))h" : "\(seconds)s"
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
