import ArgumentParser
import Fleche
import Foundation

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove value objects no call refers to; with a budget, the least recently used calls first.",
        discussion: """
            Objects younger than the grace period (default 1h, judged by the later of mtime and \
            ctime) are kept, so values being written right now and files just copied in by rsync \
            are safe. Safe to run while other processes use the store. With --max-size or \
            --max-age (or a budget of the cache in fleche.toml), calls not used for longer than \
            the age are evicted, then the least recently used until the store fits the size; \
            a hit counts as a use.
            """)

    @Flag(name: .long, help: "List what would be removed and the bytes it would free, without removing anything.")
    var dryRun = false

    @Option(name: .long, help: "Grace period: 'now', or seconds, or a number with s, m, h or d.")
    var prune = Age(seconds: GarbageCollector.defaultGracePeriod)

    @Option(name: .customLong("max-size"), help: "Evict least recently used calls until the store takes at most this much: bytes, or a number with K, M, G or T (as 50G).")
    var maxSize: ByteSize?

    @Option(name: .customLong("max-age"), help: "Evict calls not used for longer than this: seconds, or a number with s, m, h or d (as 30d).")
    var maxAge: Age?

    @OptionGroup var options: StoreOptions

    func run() throws {
        let report: GarbageCollectionReport
        switch try options.openForMaintenance() {
        case .file(let store): report = try collect(store)
        case .maintained(let storage, let calls):
            // The command line's budget, each limit falling back on the store's own.
            let budget = StoreBudget(maxSize: maxSize?.bytes ?? storage.budget?.maxSize, maxAge: maxAge?.seconds ?? storage.budget?.maxAge)
            report = try storage.collectGarbage(calls: calls, gracePeriod: prune.seconds, budget: budget.isUnlimited ? nil : budget, dryRun: dryRun)
        }
        show(report)
    }

    /// gc of a store directory, with the command line's budget.
    private func collect(_ store: FileStore) throws -> GarbageCollectionReport {
        let display = TerminalProgress(minimumTotal: 10_000)
        let progress: @Sendable (String, Int, Int) -> Void = { display.show($0, $1, $2) }
        // The command line's budget, each limit falling back on the store's own.
        let budget = StoreBudget(maxSize: maxSize?.bytes ?? store.budget?.maxSize, maxAge: maxAge?.seconds ?? store.budget?.maxAge)
        let collector = GarbageCollector(
            store: store, gracePeriod: prune.seconds, dryRun: dryRun, budget: budget.isUnlimited ? nil : budget,
            progress: TerminalProgress.wanted(json: options.json) ? progress : nil)
        return try collector.run()
    }

    private func show(_ report: GarbageCollectionReport) {
        if options.json {
            printJSON(report.json)
            return
        }
        if report.incompleteArrivals > 0 {
            print("\(report.incompleteArrivals) recent calls are still arriving (values missing): nothing was removed; run gc again when the copy is done")
        }
        if let before = report.sizeBefore, let after = report.projectedSize {
            let verb = dryRun ? "would evict" : "evicted"
            print("\(verb) \(report.evicted.count) least recently used calls: \(byteCount(before)) before, \(byteCount(after)) after")
        }
        if dryRun {
            report.evicted.forEach { print("would evict \($0.hex)") }
            report.removed.forEach { print("would remove \($0.hex)") }
            print("would remove \(report.removed.count) of \(report.totalObjects) objects, freeing \(byteCount(report.freedBytes)) (\(report.keptYoung) unreachable but younger than the grace period)")
        } else {
            print("removed \(report.removed.count) of \(report.totalObjects) objects, freed \(byteCount(report.freedBytes)); \(report.reachableObjects) reachable, \(report.keptYoung) kept for the grace period, \(report.removedTemporaryFiles) stale temp files and \(report.removedCallLocks) stale call locks removed")
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every manifest and object; exit 1 if anything is wrong.")

    @Flag(name: .long, help: "Move corrupt objects and manifests to <store>/lost+found/ so the next call recomputes them.")
    var repair = false

    @OptionGroup var options: StoreOptions

    func run() throws {
        let report: VerificationReport
        switch try options.openForMaintenance() {
        case .file(let store):
            var verifier = StoreVerifier(store: store, repair: repair)
            if let display = TerminalProgress.ifWanted(json: options.json) { verifier.progress = { display.show($0, $1, $2) } }
            report = try verifier.run()
        case .maintained(let storage, let calls):
            report = try storage.verify(calls: calls, repair: repair)
        }
        if options.json {
            printJSON(report.json)
        } else {
            report.problems.forEach { print($0) }
            report.moved.forEach { print("moved to \($0)") }
            print("checked \(report.checkedCalls) calls and \(report.checkedObjects) objects: \(report.problems.count) problem(s)")
        }
        if !report.isClean && !repair { throw ExitCode(1) }
    }
}
