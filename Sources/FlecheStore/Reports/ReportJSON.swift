import FlecheValue

extension GarbageCollectionReport {
    /// The report as `fleche gc --json` prints it.
    public var json: JSON {
        .object([
            ("dry_run", .bool(dryRun)),
            ("objects", .int(Int64(totalObjects))),
            ("reachable", .int(Int64(reachableObjects))),
            ("removed", .array(removed.map { .string($0.hex) })),
            ("freed_bytes", .int(Int64(freedBytes))),
            ("kept_young", .int(Int64(keptYoung))),
            ("removed_temporary_files", .int(Int64(removedTemporaryFiles))),
            ("removed_call_locks", .int(Int64(removedCallLocks))),
            ("incomplete_arrivals", .int(Int64(incompleteArrivals))),
            ("evicted", .array(evicted.map { .string($0.hex) })),
            ("size_before", sizeBefore.map { .int(Int64($0)) } ?? .null),
            ("projected_size", projectedSize.map { .int(Int64($0)) } ?? .null),
        ])
    }
}

extension VerificationReport {
    /// The report as `fleche verify --json` prints it.
    public var json: JSON {
        .object([
            ("calls", .int(Int64(checkedCalls))),
            ("objects", .int(Int64(checkedObjects))),
            ("problems", .array(problems.map(\.json))),
            ("moved", .array(moved.map(JSON.string))),
        ])
    }
}

extension StoreProblem {
    /// One problem as `fleche verify --json` lists it.
    public var json: JSON {
        .object([
            ("kind", .string(kind.rawValue)), ("key", .string(key.hex)),
            ("path", .string(path)), ("detail", .string(detail)),
        ])
    }
}

extension StoreStatistics {
    /// The counts as `fleche stats --json` prints them (with the store's path and digest
    /// algorithm, which the caller adds).
    public var json: JSON {
        .object([
            ("calls", .int(Int64(calls))), ("objects", .int(Int64(objects))),
            ("bytes_on_disk", .int(Int64(bytesOnDisk))), ("object_bytes", .int(Int64(objectFileBytes))),
            ("payload_bytes", .int(Int64(payloadBytes))), ("manifest_bytes", .int(Int64(manifestBytes))),
            ("compression_ratio", .double(compressionRatio)), ("temporary_files", .int(Int64(temporaryFiles))),
        ])
    }
}

extension FileStore {
    /// The store's identity as the CLI prints it: its directory and digest algorithm.
    public var identityJSON: JSON {
        .object([("store", .string(root)), ("digest", .string(format.algorithm.rawValue))])
    }
}

extension DiskUsage {
    /// The measure as `fleche du --json` prints it.
    public var json: JSON {
        .object([
            ("functions", .array(functions.map { function in
                .object([
                    ("name", .string(function.name)), ("module", function.module.map(JSON.string) ?? .null),
                    ("calls", .int(Int64(function.calls))), ("manifest_bytes", .int(Int64(function.manifestBytes))),
                    ("own_bytes", .int(Int64(function.ownBytes))), ("shared_bytes", .int(Int64(function.sharedBytes))),
                    ("total_bytes", .int(Int64(function.totalBytes))),
                ])
            })),
            ("shared_bytes", .int(Int64(sharedBytes))), ("unreached_bytes", .int(Int64(unreachedBytes))),
            ("total_bytes", .int(Int64(totalBytes))), ("files", .int(Int64(files))),
        ])
    }
}
