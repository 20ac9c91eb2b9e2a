// A helper process for the multi-process tests: memoizes `square(i)` for a range of `i`
// into a store and prints how many bodies it ran.
//
//   FlecheTestWorker STORE FIRST COUNT
import Fleche
import Foundation
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count == 4, let first = Int(arguments[2]), let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: FlecheTestWorker STORE FIRST COUNT\n".utf8))
    exit(2)
}

let runs = Mutex(0)
do {
    let cache = try Cache(root: arguments[1])
    let square = memoize("square", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> [Int] in
        runs.withLock { $0 += 1 }
        return [i, i * i, i * i * i]
    }
    for i in first..<(first + count) {
        let result = try square(i)
        guard result == [i, i * i, i * i * i] else {
            FileHandle.standardError.write(Data("wrong result for \(i): \(result)\n".utf8))
            exit(1)
        }
    }
    print("ran \(runs.withLock { $0 })")
} catch {
    FileHandle.standardError.write(Data("worker: \(error)\n".utf8))
    exit(1)
}
