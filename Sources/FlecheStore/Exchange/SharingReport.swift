import FlecheValue

/// What a push or pull did (or, in a dry run, would do).
public struct SharingReport: Sendable {
    /// Whether the run only looked (`--dry-run`): nothing was copied.
    public var dryRun: Bool
    /// The calls copied to the receiving store (keys).
    public var calls: [Digest] = []
    /// Objects copied.
    public var objects = 0
    /// Bytes of the files copied (as stored: compressed objects, manifests).
    public var bytes = 0
    /// Calls the receiving store already had (kept as they are there).
    public var existingCalls = 0
    /// Calls not sent because a value they need is missing or unreadable on the sending side.
    public var incompleteCalls: [Digest] = []
    /// Files that arrived but were refused (a damaged object, a manifest that does not parse
    /// or names a value that is missing or damaged), with the reason.
    public var refused: [StoreProblem] = []
    /// Seconds the run took.
    public var seconds = 0.0

    /// An empty report.
    public init(dryRun: Bool) { self.dryRun = dryRun }

    /// The report as `fleche push --json` and `fleche pull --json` print it.
    public var json: JSON {
        .object([
            ("dry_run", .bool(dryRun)),
            ("calls", .array(calls.map { .string($0.hex) })),
            ("objects", .int(Int64(objects))),
            ("bytes", .int(Int64(bytes))),
            ("existing_calls", .int(Int64(existingCalls))),
            ("incomplete_calls", .array(incompleteCalls.map { .string($0.hex) })),
            ("refused", .array(refused.map { problem in
                .object([
                    ("kind", .string(problem.kind.rawValue)), ("key", .string(problem.key.hex)),
                    ("detail", .string(problem.detail)),
                ])
            })),
            ("seconds", .double(seconds)),
        ])
    }
}

/// A phase of a push or pull and how far it got, for a progress display: `phase` is
/// `objects` or `calls`, `done` of `total` files.
public typealias SharingProgress = @Sendable (_ phase: String, _ done: Int, _ total: Int) -> Void
