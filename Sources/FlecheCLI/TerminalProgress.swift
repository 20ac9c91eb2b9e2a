import Foundation

/// A one-line progress display on stderr, shown only when stderr is a terminal and output
/// is not JSON: `phase done/total (percent%)`, rewritten in place, erased at `done`.
struct TerminalProgress: Sendable {
    /// Phases with fewer steps than this are not shown (they end before a reader could).
    var minimumTotal: Int

    /// Whether a display belongs on this run.
    static func wanted(json: Bool) -> Bool { isatty(STDERR_FILENO) == 1 && !json }

    /// A display, when one belongs on this run (``wanted(json:)``).
    static func ifWanted(json: Bool, minimumTotal: Int = 1) -> TerminalProgress? {
        wanted(json: json) ? TerminalProgress(minimumTotal: minimumTotal) : nil
    }

    /// Draws `phase done/total`; the phase `done` erases the line.
    func show(_ phase: String, _ done: Int, _ total: Int) {
        guard total >= minimumTotal || phase == "done" else { return }
        let percent = total == 0 ? 100 : done * 100 / total
        let line = phase == "done" ? "\r\u{1B}[K" : "\r\u{1B}[K\(phase) \(done)/\(total) (\(percent)%)"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
