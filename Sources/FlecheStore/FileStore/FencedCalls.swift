import FlecheSystem
import FlecheValue

extension FlecheError {
    /// The system-call fence's error as the library's: ``FlecheError/io(path:operation:errno:)``.
    init(_ error: SystemCallError) {
        self = .io(path: error.path, operation: error.operation, errno: error.errno.rawValue)
    }
}

/// Runs calls into the fence (``FileSystem``), reporting a failure as ``FlecheError``.
@inline(__always) @discardableResult
func fenced<R: ~Copyable>(_ body: () throws -> R) rethrows -> R {
    do {
        return try body()
    } catch let error as SystemCallError {
        throw FlecheError(error)
    }
}
