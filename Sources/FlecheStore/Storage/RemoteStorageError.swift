/// An error of a storage across a network (an S3 server). ``isOutage`` says the service did
/// not answer (down, unreachable, timing out, failing with 5xx after the retries): a stack
/// then goes on without that layer, with a warning, rather than failing the call.
public protocol RemoteStorageError: Error {
    /// Whether the service did not answer (as opposed to refusing the request).
    var isOutage: Bool { get }
}
