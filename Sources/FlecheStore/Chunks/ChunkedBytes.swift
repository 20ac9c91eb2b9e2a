import FlecheSystem
import FlecheValue
import Foundation

/// Large `bytes` values and file results stored in content-defined chunks
/// (``ContentDefinedChunker``, ``ChunkList``): an edit stores only the chunks it changed,
/// chunks are hashed and compressed on every core, and a file is read, and written out, a
/// batch at a time.
extension FileObjectStorage {
    /// Stores the `bytes` value `data` (at least ``ChunkList/threshold`` long) in chunks
    /// under its digest: `key` when the caller knows it, else computed while the chunks are
    /// stored (``ValueNaming``). Returns the digest and the bytes of the files written (0
    /// when everything was there).
    func storeChunked(_ data: Data, key: Digest?) throws -> (key: Digest, written: Int) {
        try data.withUnsafeBytes { bytes in
            var named = key
            let naming: ValueNaming =
                if key != nil { .known } else if let digester = ValueAndChunkDigester(algorithm) { .inOnePass(digester) } else { .beside }
            let (ranges, chunks, written) = try storeChunksWhileCutting(bytes, naming: naming) { named = $0 }
            let list = ChunkList(chunks: chunks, lengths: ranges.map(\.count))
            return (named!, try written + storeChunkList(list, key: named!))
        }
    }

    /// How a value stored in chunks gets its name, when the caller does not give it.
    private enum ValueNaming {
        /// The caller knows it; the storers name each chunk as they store it.
        case known
        /// Hashed whole on a core of its own while the storers name each chunk.
        case beside
        /// Each chunk and the value named in one pass (``ValueAndChunkDigester``), in order,
        /// before the chunk is stored.
        case inOnePass(ValueAndChunkDigester)
    }

    /// Cuts `bytes` into chunks and stores each as soon as it is cut (and named), on every
    /// core. The first iteration cuts; with ``ValueNaming/beside`` the second hashes the
    /// value whole; then every iteration works until all is stored: it names the next chunk
    /// when naming in one pass and no other iteration is naming (the digester goes to
    /// whoever is free, so no iteration waits for one that has not started: on one core
    /// they run one after another), else stores the next chunk ready, else waits for the
    /// cutter or the namer. `valueNamed` gets the value's digest.
    private func storeChunksWhileCutting(
        _ bytes: UnsafeRawBufferPointer, naming: ValueNaming, valueNamed: (Digest) -> Void
    ) throws -> (ranges: [Range<Int>], chunks: [Digest], written: Int) {
        struct Progress {
            var ranges: [Range<Int>] = []
            /// The chunks' names, in order, when they are named in one pass.
            var names: [Digest] = []
            var inOnePass = false
            /// Whether an iteration holds the digester (naming in one pass).
            var naming = false
            var named = false
            var claimed = 0
            var cutting = true
            var results: [Int: Result<(Digest, Int), any Error>] = [:]
            /// How many chunks may be stored: the cut ones, or the named ones.
            var ready: Int { inOnePass ? names.count : ranges.count }
            /// Whether the next chunk to name is cut and no iteration is naming.
            var mayName: Bool { inOnePass && !naming && names.count < ranges.count }
            /// Whether every chunk is named and the value not yet.
            var mayFinishNaming: Bool { inOnePass && !naming && !named && !cutting && names.count == ranges.count }
            /// Whether more chunks may become ready.
            var more: Bool { cutting || (inOnePass && names.count < ranges.count) }
        }
        let progress = NSCondition()
        var state = Progress()
        // Touched only by the iteration that set `state.naming` (or `named`), under the lock.
        var digester: ValueAndChunkDigester?
        if case .inOnePass(let first) = naming {
            digester = first
            state.inOnePass = true
        }
        // Names the value once every chunk is named. Called with the lock.
        func finishNamingIfDone() {
            guard state.mayFinishNaming else { return }
            state.named = true
            progress.unlock()
            valueNamed(digester!.finalize())
            progress.lock()
        }
        func work() {
            progress.lock()
            defer { progress.unlock() }
            while true {
                if state.mayName {
                    state.naming = true
                    let index = state.names.count
                    let range = state.ranges[index]
                    progress.unlock()
                    let name = digester!.nameChunk(UnsafeRawBufferPointer(rebasing: bytes[range]))
                    progress.lock()
                    state.names.append(name)
                    state.naming = false
                    finishNamingIfDone()
                    progress.broadcast()
                } else if state.claimed < state.ready {
                    let index = state.claimed
                    state.claimed += 1
                    let range = state.ranges[index]
                    let name = state.inOnePass ? state.names[index] : nil
                    progress.unlock()
                    let piece = UnsafeRawBufferPointer(rebasing: bytes[range])
                    let result = Result {
                        if let name { return (name, try storeBytesObject(piece, key: name)) }
                        return try storeChunk(piece)
                    }
                    progress.lock()
                    state.results[index] = result
                } else if state.more {
                    progress.wait()
                } else {
                    return
                }
            }
        }
        let storers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        Cores.perform(iterations: storers + 1) { iteration in
            if iteration == 1, case .beside = naming {
                var whole = BytesDigester(algorithm)
                whole.update(bytes)
                valueNamed(whole.finalize())
            }
            if iteration == 0 {
                let chunker = ContentDefinedChunker()
                var start = 0
                while start < bytes.count {
                    let length = chunker.chunkLength(UnsafeRawBufferPointer(rebasing: bytes[start...]), atEnd: true)!
                    progress.lock()
                    state.ranges.append(start..<(start + length))
                    progress.broadcast()
                    progress.unlock()
                    start += length
                }
                progress.lock()
                state.cutting = false
                finishNamingIfDone()
                progress.broadcast()
                progress.unlock()
            }
            work()
        }
        var chunks: [Digest] = []
        var written = 0
        for index in state.ranges.indices {
            let (digest, count) = try state.results[index]!.get()
            chunks.append(digest)
            written += count
        }
        return (state.ranges, chunks, written)
    }

    /// How much of a file is read at a time: two batches (one being stored while the next is
    /// read and cut), each with up to a chunk left over from the one before, and the chunks
    /// being compressed are what storing a file of any size holds in memory.
    static let chunkBatchSize = 8 << 20

    /// Stores the file at `path` in chunks, reading it once a batch at a time; returns its
    /// content digest (the digest its bytes have as a `bytes` value) and size. While one
    /// batch's chunks are hashed, compressed and written, and the batch hashed whole for the
    /// value's digest, the next batch is read and cut, all on every core.
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` when there is no such file,
    ///   `FlecheError.io` when it cannot be read or the store written.
    func storeChunkedFileBody(from path: String) throws -> (content: Digest, size: Int) {
        let capacity = Self.chunkBatchSize + ContentDefinedChunker.maximumSize
        var current = FileBatch(capacity: capacity)
        var next = FileBatch(capacity: capacity)
        defer {
            current.buffer.deallocate()
            next.buffer.deallocate()
        }
        var digester = BytesDigester(algorithm)
        var list = ChunkList(chunks: [], lengths: [])
        var offset = 0
        guard try current.read(path, at: &offset, keeping: 0) else {
            throw FlecheError.invalidArtifact(path: path, reason: "no such file")
        }
        while true {
            let cut = UnsafeRawBufferPointer(rebasing: current.buffer[0..<current.cutEnd])
            let carry = current.filled - current.cutEnd
            var more: Result<Bool, any Error> = .success(false)
            let (chunks, _) = try storeChunks(of: cut, ranges: current.ranges, alongside: [
                { digester.update(cut) },
                {
                    guard !current.atEnd else { return }
                    more = Result {
                        UnsafeMutableRawBufferPointer(rebasing: next.buffer[0..<carry])
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: current.buffer[current.cutEnd..<current.filled]))
                        return try next.read(path, at: &offset, keeping: carry)
                    }
                },
            ])
            list.chunks += chunks
            list.lengths += current.ranges.map(\.count)
            guard !current.atEnd else { break }
            // A file that is gone now is taken as ended (it was read up to here).
            if try !more.get() { next.atEnd = true }
            swap(&current, &next)
        }
        let content = digester.finalize()
        _ = try storeChunkList(list, key: content)
        return (content, list.size)
    }

    /// Stores each of `ranges` of `bytes` as the object of its `bytes` value, on every core,
    /// beside the work of `alongside` (started first, each on a core of its own); returns
    /// the chunks' digests in order and the bytes written.
    private func storeChunks(
        of bytes: UnsafeRawBufferPointer, ranges: [Range<Int>], alongside: [() -> Void] = []
    ) throws -> (chunks: [Digest], written: Int) {
        let results = Locked([Result<(Digest, Int), any Error>?](repeating: nil, count: ranges.count))
        Cores.perform(iterations: alongside.count + ranges.count) { index in
            guard index >= alongside.count else { return alongside[index]() }
            let index = index - alongside.count
            let result = Result { try storeChunk(UnsafeRawBufferPointer(rebasing: bytes[ranges[index]])) }
            results.withLock { $0[index] = result }
        }
        var chunks: [Digest] = []
        var written = 0
        for result in results.withLock({ $0 }) {
            let (digest, bytes) = try result!.get()
            chunks.append(digest)
            written += bytes
        }
        return (chunks, written)
    }

    /// Stores one chunk as the object of its `bytes` value (compressed when that pays), unless
    /// a whole one is there.
    private func storeChunk(_ bytes: UnsafeRawBufferPointer) throws -> (Digest, Int) {
        var digester = BytesDigester(algorithm)
        digester.update(bytes)
        let digest = digester.finalize()
        return (digest, try storeBytesObject(bytes, key: digest))
    }

    /// Writes the chunk list object `key` unless the same list is there whole (its time is
    /// then refreshed, for a concurrent gc); a damaged one is set aside first.
    private func storeChunkList(_ list: ChunkList, key: Digest) throws -> Int {
        let target = path(of: key)
        switch FileSystem.touch(target) {
        case .failed where FileSystem.exists(target):
            return 0
        case .touched:
            let bytes: [UInt8]? = (try? FileSystem.readFile(target)) ?? nil
            switch bytes.flatMap({ try? ObjectFile.parse($0) }) {
            case let object? where object.codec != .chunked:
                break  // another form of the same value (a whole object, a file body): replaced
            case let object? where (try? ChunkList(object)) != nil:
                if object.children == list.chunks { return 0 }
            default:
                layout.setAside(target, folder: .objects, key: key, reason: "it does not hold its chunk list whole")
            }
        default:
            break
        }
        let bytes = list.encode(digestLength: algorithm.digestByteCount)
        try layout.writeAtomically([bytes], to: target, durable: durable)
        return bytes.count
    }

    /// The `bytes` value of the chunked object `object` (named `key`, at `path`): its chunks
    /// loaded on every core into one buffer, which the value's `Data` keeps.
    ///
    /// - Throws: `FlecheError.notFound(key:)` naming a missing chunk, `FlecheError.corruptObject`
    ///   naming a damaged chunk, or the list itself when its payload or a chunk's length does
    ///   not match.
    func loadChunked(_ object: ObjectFile, key: Digest, path: String) throws -> Value {
        let list = try chunkList(object, key: key, path: path)
        var offsets: [Int] = []
        var offset = 0
        for length in list.lengths {
            offsets.append(offset)
            offset += length
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, list.size), alignment: 16)
        let failures = Locked<(any Error)?>(nil)
        Cores.perform(iterations: list.chunks.count) { index in
            do {
                let data = try chunk(list.chunks[index], length: list.lengths[index], of: key, path: path)
                data.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: buffer[offsets[index]..<(offsets[index] + data.count)]))
            } catch {
                failures.withLock { $0 = $0 ?? error }
            }
        }
        if let failure = failures.withLock({ $0 }) {
            buffer.deallocate()
            throw failure
        }
        let base = buffer.baseAddress!
        return .bytes(Data(bytesNoCopy: base, count: list.size, deallocator: .custom { pointer, _ in pointer.deallocate() }))
    }

    /// Passes the content of the chunked object `key` to `body` a chunk at a time, in order,
    /// loading the next chunks on the other cores meanwhile.
    ///
    /// - Throws: as ``loadChunked(_:key:path:)``, or what `body` throws.
    func forEachChunk(of key: Digest, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let path = path(of: key)
        guard let bytes = try fenced({ try FileSystem.readFile(path) }) else { throw FlecheError.notFound(key: key.hex) }
        let object: ObjectFile
        do {
            object = try ObjectFile.parse(bytes)
        } catch {
            throw FlecheError.corruptObject(key: key, path: path, reason: "\(error)")
        }
        let list = try chunkList(object, key: key, path: path)
        let group = max(2, ProcessInfo.processInfo.activeProcessorCount)
        var start = 0
        while start < list.chunks.count {
            let indices = start..<min(list.chunks.count, start + group)
            let loaded = Locked([Result<Data, any Error>?](repeating: nil, count: indices.count))
            Cores.perform(iterations: indices.count) { slot in
                let index = indices.lowerBound + slot
                let result = Result { try chunk(list.chunks[index], length: list.lengths[index], of: key, path: path) }
                loaded.withLock { $0[slot] = result }
            }
            for result in loaded.withLock({ $0 }) {
                let data: Data
                do {
                    data = try result!.get()
                } catch let error as FlecheError {
                    // A chunk gone or damaged: the list is set aside with it, so that the
                    // call's next hit finds its content missing and recomputes it.
                    if case .corruptObject(let chunk, let chunkPath, _) = error, chunk != key {
                        layout.setAside(chunkPath, folder: .objects, key: chunk, reason: "it does not hold its value whole")
                    }
                    layout.setAside(path, folder: .objects, key: key, reason: "a chunk of it is missing or damaged (\(error))")
                    throw FlecheError.corruptObject(key: key, path: path, reason: "a chunk is missing or damaged: \(error)")
                }
                try data.withUnsafeBytes(body)
            }
            start = indices.upperBound
        }
    }

    /// The chunk list of the chunked object `object` (named `key`, at `path`).
    ///
    /// - Throws: `FlecheError.corruptObject` when its payload does not hold one.
    private func chunkList(_ object: ObjectFile, key: Digest, path: String) throws -> ChunkList {
        do {
            return try ChunkList(object)
        } catch {
            throw FlecheError.corruptObject(key: key, path: path, reason: "\(error)")
        }
    }

    /// The bytes of chunk `digest` of the chunked object `key`, which says it is `length`
    /// bytes long.
    private func chunk(_ digest: Digest, length: Int, of key: Digest, path: String) throws -> Data {
        guard case .bytes(let data) = try load(digest), data.count == length else {
            throw FlecheError.corruptObject(key: key, path: path, reason: "chunk \(digest.hex) is not the \(length) bytes its list says")
        }
        return data
    }
}

/// One batch of a file being stored in chunks: a buffer holding what was left of the previous
/// batch, then the bytes read after it, and the chunks cut from them.
private struct FileBatch {
    let buffer: UnsafeMutableRawBufferPointer
    /// How many bytes the buffer holds.
    var filled = 0
    /// Whether the file ends with them.
    var atEnd = false
    /// The chunks cut, in order from 0; the bytes after the last one wait for the next batch.
    var ranges: [Range<Int>] = []
    /// Where the last chunk cut ends.
    var cutEnd: Int { ranges.last?.upperBound ?? 0 }

    init(capacity: Int) {
        buffer = .allocate(byteCount: capacity, alignment: 64)
    }

    /// Reads the next batch of the file at `path` from `offset` (advanced past it) behind the
    /// `carry` bytes already at the buffer's start, and cuts it; `false` when there is no
    /// such file.
    mutating func read(_ path: String, at offset: inout Int, keeping carry: Int) throws -> Bool {
        let room = UnsafeMutableRawBufferPointer(rebasing: buffer[carry..<min(buffer.count, carry + FileObjectStorage.chunkBatchSize)])
        guard let read = try fenced({ try FileSystem.read(path, from: offset, into: room) }) else { return false }
        offset += read.count
        filled = carry + read.count
        atEnd = read.atEnd
        ranges = ContentDefinedChunker().chunks(of: UnsafeRawBufferPointer(rebasing: buffer[0..<filled]), atEnd: atEnd)
        return true
    }
}
