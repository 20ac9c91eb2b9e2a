import FlecheSystem
import FlecheValue
import Foundation

/// How large a store is now, told without looking at its files: the size last measured
/// (`stats/size.json`, written by automatic trimming) plus the bytes every process has
/// written since (from the counter files of `stats/`), scaled by the measured ratio of bytes
/// on disk to bytes written (blocks round small files up).
///
/// The counts of a process lag its writes by what it wrote since it last wrote its counter
/// file; a process that trims automatically writes that file before each look, so the lag is
/// at most one look's worth of bytes per process (``AutoTrim``). Files that arrive by other
/// paths (rsync, `fleche pull`) are not counted until the next measurement.
struct StoreSizeEstimate {
    /// A measurement: the store's bytes on disk and in files, and the bytes the processes
    /// had counted as written when it began.
    struct Measurement: Equatable {
        var allocated: Int
        var bytes: Int
        var writtenAtStart: Int

        /// Bytes on disk per byte written, at least 1.
        var diskRatio: Double { bytes > 0 ? max(1, Double(allocated) / Double(bytes)) : 1 }

        var json: JSON {
            .object([
                ("version", .int(1)), ("allocated", .int(Int64(allocated))), ("bytes", .int(Int64(bytes))),
                ("bytes_written", .int(Int64(writtenAtStart))),
            ])
        }

        init(allocated: Int, bytes: Int, writtenAtStart: Int) {
            self.allocated = allocated
            self.bytes = bytes
            self.writtenAtStart = writtenAtStart
        }

        init?(json: JSON) {
            guard case .int(let allocated)? = json["allocated"], case .int(let bytes)? = json["bytes"],
                  case .int(let written)? = json["bytes_written"], allocated >= 0, bytes >= 0, written >= 0
            else { return nil }
            self.init(allocated: Int(allocated), bytes: Int(bytes), writtenAtStart: Int(written))
        }
    }

    let store: FileStore
    private var folder: StatisticsFolder { StatisticsFolder(layout: store.layout) }
    var path: String { folder.directory + "/size.json" }

    init(store: FileStore) { self.store = store }

    /// Bytes every process has counted as written (after writing this process's counts).
    func bytesWritten() throws -> Int {
        store.usage.write()
        return try folder.read().total.bytesWritten
    }

    /// The estimated bytes on disk now, or `nil` when there is no usable measurement (none
    /// yet, damaged, or the counters were zeroed since): then the store must be measured.
    func current() throws -> Int? {
        guard let last = lastMeasurement() else { return nil }
        let written = try bytesWritten()
        guard written >= last.writtenAtStart else { return nil }
        return last.allocated + Int(Double(written - last.writtenAtStart) * last.diskRatio)
    }

    /// What `stats/size.json` holds, or `nil`.
    func lastMeasurement() -> Measurement? {
        guard let bytes = try? fenced({ try FileSystem.readFile(path) }), let json = try? JSON.parse(bytes) else {
            return nil
        }
        return Measurement(json: json)
    }

    /// Writes `measurement` to `stats/size.json` (atomically).
    func record(_ measurement: Measurement) throws {
        try fenced { try FileSystem.makeDirectories(folder.directory) }
        try store.layout.writeAtomically(measurement.json.serializedBytes(), to: path, durable: false)
    }
}
