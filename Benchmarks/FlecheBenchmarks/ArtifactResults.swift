import Fleche
import Foundation

/// File results, in `FlecheBenchmarks artifacts DIR N` after the argument rows: the 1 GiB
/// file under DIR returned by a memoized call. In rounds that interleave each measure with
/// its floor, medians of:
/// - saving it (a miss: the file read once, hashed as it is copied into the store) against
///   `cp` of it, and against `openssl dgst -sha256` plus `cp` (what hashing and copying
///   cost as two programs);
/// - loading it (a hit, then `write(to:mode: .copy)`, every byte checked) against `cp`;
/// - saving a copy of it with one byte changed, once the original is stored (the chunks
///   around the edit are new, the rest are found there), against `cp`, with the bytes it
///   added to the store;
/// then, once each, the peak resident memory above the process's resident memory before
/// (Linux `VmHWM`, reset through `/proc/self/clear_refs`) of that save and load, and of a
/// miss and a hit of a 256 MiB `Data` result, compressible and random.
enum ArtifactResultBenchmark {
    static func run(root: String, big: String, rounds: Int) throws {
        let store = try FileStore(root: root + "/results-store")
        let cache = Cache(store: store)
        let copyTarget = root + "/copy.bin"
        let written = root + "/written.bin"
        let save = memoize("keep", arguments: ["round"], metadata: [], cache: cache) { (round: Int) -> FileArtifact in
            FileArtifact(big)
        }
        let edited = root + "/edited.bin"
        try ArtifactBenchmark.runProgram("/bin/cp", [big, edited])
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: edited))
        try handle.seek(toOffset: 600_000_000)
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: 600_000_000)
        try handle.write(contentsOf: [byte ^ 0xff])
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: edited) }
        let saveEdited = memoize("keep-edited", arguments: ["round"], metadata: [], cache: cache) { (round: Int) -> FileArtifact in
            FileArtifact(edited)
        }
        var editedBytes = 0
        var samples: [String: [Double]] = [:]
        func sample(_ name: String, _ body: () throws -> Void) rethrows {
            samples[name, default: []].append(try seconds(body))
        }
        for round in 0..<rounds {
            try? FileManager.default.removeItem(atPath: store.root + "/objects")
            try sample("save_1GiB") { _ = try save(round) }
            let before = objectBytes(store)
            try sample("save_edited_1GiB") { _ = try saveEdited(round) }
            editedBytes = objectBytes(store) - before
            try sample("cp_1GiB") { try ArtifactBenchmark.runProgram("/bin/cp", [big, copyTarget]) }
            try FileManager.default.removeItem(atPath: copyTarget)
            try sample("hash_and_cp_1GiB") {
                try ArtifactBenchmark.runProgram("/usr/bin/openssl", ["dgst", "-sha256", big])
                try ArtifactBenchmark.runProgram("/bin/cp", [big, copyTarget])
            }
            try FileManager.default.removeItem(atPath: copyTarget)
            try sample("load_1GiB") { try save(round).write(to: written, mode: .copy) }
            try FileManager.default.removeItem(atPath: written)
        }
        let median = samples.mapValues { $0.sorted()[$0.count / 2] }
        func ms(_ name: String) -> String { String(format: "%.0f ms", median[name]! * 1000) }
        func ratio(_ a: String, _ b: String) -> String { String(format: "%.2f×", median[a]! / median[b]!) }

        try? FileManager.default.removeItem(atPath: store.root + "/objects")
        let savePeak = try peakMemory { _ = try save(rounds) }
        let loadPeak = try peakMemory { try save(rounds).write(to: written, mode: .copy) }
        try FileManager.default.removeItem(atPath: written)
        let dataSize = 256 << 20
        let data = memoize("data", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> Data in
            Data(repeating: UInt8(n), count: dataSize)
        }
        let dataMissPeak = try peakMemory { _ = try data(1) }
        let dataHitPeak = try peakMemory { _ = try data(1) }
        let noise = memoize("noise", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> Data in
            var state = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 | 1
            var data = Data(count: dataSize)
            data.withUnsafeMutableBytes { bytes in
                for index in 0..<(dataSize / 8) {
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    bytes.storeBytes(of: state, toByteOffset: index * 8, as: UInt64.self)
                }
            }
            return data
        }
        let noiseMissPeak = try peakMemory { _ = try noise(1) }
        let noiseHitPeak = try peakMemory { _ = try noise(1) }
        func mib(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / Double(1 << 20)) }
        func times(_ bytes: Int) -> String { String(format: "%.2f×", Double(bytes) / Double(dataSize)) }
        print("""

            | file results (tmpfs) | Fleche | against | ratio | target |
            |---|---|---|---|---|
            | save a 1 GiB file result (miss: read once, hashed, copied) | \(ms("save_1GiB")) | `cp` \(ms("cp_1GiB")) | \(ratio("save_1GiB", "cp_1GiB")) | - |
            | the same | | `openssl dgst -sha256` + `cp` \(ms("hash_and_cp_1GiB")) | \(ratio("save_1GiB", "hash_and_cp_1GiB")) | ≤ 1.2×: \(median["save_1GiB"]! <= 1.2 * median["hash_and_cp_1GiB"]! ? "met" : "MISSED") |
            | load it (hit, `write(to:mode: .copy)`, bytes checked) | \(ms("load_1GiB")) | `cp` \(ms("cp_1GiB")) | \(ratio("load_1GiB", "cp_1GiB")) | ≤ 1.5×: \(median["load_1GiB"]! <= 1.5 * median["cp_1GiB"]! ? "met" : "MISSED") |
            | save a copy with one byte changed, the original stored | \(ms("save_edited_1GiB")) | `cp` \(ms("cp_1GiB")) | \(ratio("save_edited_1GiB", "cp_1GiB")) | - |
            | bytes that copy added to the store | \(mib(editedBytes)) | the file, 1024 MiB | \(String(format: "%.4f×", Double(editedBytes) / Double(1 << 30))) | ≤ 2 chunks (8 MiB): \(editedBytes <= 8 << 20 ? "met" : "MISSED") |
            | peak memory saving it, above the process's | \(mib(savePeak)) | - | - | < 64 MiB: \(savePeak < 64 << 20 ? "met" : "MISSED") |
            | peak memory loading it | \(mib(loadPeak)) | - | - | < 64 MiB: \(loadPeak < 64 << 20 ? "met" : "MISSED") |
            | peak memory, 256 MiB `Data` result (compressible), miss | \(mib(dataMissPeak)) | its size | \(times(dataMissPeak)) | ≤ 1.25×: \(dataMissPeak <= dataSize * 5 / 4 ? "met" : "MISSED") |
            | the same, hit | \(mib(dataHitPeak)) | its size | \(times(dataHitPeak)) | ≤ 1.25×: \(dataHitPeak <= dataSize * 5 / 4 ? "met" : "MISSED") |
            | peak memory, 256 MiB `Data` result (random bytes), miss | \(mib(noiseMissPeak)) | its size | \(times(noiseMissPeak)) | ≤ 1.25×: \(noiseMissPeak <= dataSize * 5 / 4 ? "met" : "MISSED") |
            | the same, hit | \(mib(noiseHitPeak)) | its size | \(times(noiseHitPeak)) | ≤ 1.25×: \(noiseHitPeak <= dataSize * 5 / 4 ? "met" : "MISSED") |
            """)
        var members = median.sorted { $0.key < $1.key }.map { ($0.key, JSON.double($0.value)) }
        members += [
            ("edited_1GiB_added_bytes", .int(Int64(editedBytes))), ("peak_save_1GiB_bytes", .int(Int64(savePeak))), ("peak_load_1GiB_bytes", .int(Int64(loadPeak))),
            ("peak_data_256MiB_miss_bytes", .int(Int64(dataMissPeak))), ("peak_data_256MiB_hit_bytes", .int(Int64(dataHitPeak))),
            ("peak_noise_256MiB_miss_bytes", .int(Int64(noiseMissPeak))), ("peak_noise_256MiB_hit_bytes", .int(Int64(noiseHitPeak))),
        ]
        print(JSON.object(members).serialized())
    }

    /// The bytes of the files under the store's `objects/`.
    static func objectBytes(_ store: FileStore) -> Int {
        let folder = store.root + "/objects"
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let relative = enumerator?.nextObject() as? String {
            total += (try? FileManager.default.attributesOfItem(atPath: folder + "/" + relative)[.size] as? Int) ?? 0
        }
        return total
    }

    /// The largest resident memory `body` reached above the process's resident memory
    /// before it (the peak is reset first, `echo 5 > /proc/self/clear_refs`, after freed
    /// memory is returned with `malloc_trim`).
    static func peakMemory(_ body: () throws -> Void) throws -> Int {
        // Memory that earlier work freed but malloc kept (in the arenas of the threads that
        // stored chunks) goes back first: otherwise it would hide what `body` needs.
        _ = returnFreedMemory(0)
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = try status("VmRSS")
        try body()
        return max(0, try status("VmHWM") - before)
    }

    /// A `/proc/self/status` field in bytes.
    static func status(_ field: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw BenchmarkError("no \(field) in /proc/self/status") }
        return kib * 1024
    }
}

/// glibc's `malloc_trim`, which Swift's Glibc module does not export: returns the memory
/// malloc holds free to the system.
@_silgen_name("malloc_trim")
private func returnFreedMemory(_ pad: Int) -> Int32
