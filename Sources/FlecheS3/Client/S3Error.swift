import FlecheStore

/// A request to S3 that failed: after its retries for a transient failure (a 5xx, a 429,
/// a reset connection, a timeout), at once for anything else (403, 400, …), and without
/// being sent while the client pauses after an outage. A missing key (404) is not an error
/// but a miss.
public struct S3Error: Error, Sendable, CustomStringConvertible, RemoteStorageError {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// The server answered with this status, and the error code and message of its body.
        case status(Int, code: String?, message: String?)
        /// No answer: the connection failed, was reset or timed out.
        case transport(String)
    }

    /// The method: `GET`, `PUT`, `HEAD`, `DELETE`.
    public let method: String
    /// The object or bucket, as `s3://bucket/key`.
    public let target: String
    /// What went wrong on the last attempt.
    public let reason: Reason
    /// How many times the request was sent (0: not at all, the server did not answer a
    /// request moments before).
    public let attempts: Int

    /// Whether the failure may pass if the request is sent again.
    public var isTransient: Bool {
        switch reason {
        case .transport: true
        case .status(let status, _, _): status >= 500 || status == 429
        }
    }

    /// A transient failure that outlasted the retries: the server did not answer.
    public var isOutage: Bool { isTransient }

    /// The method, the key, what went wrong and what to check, in one line.
    public var description: String {
        let tries = attempts > 1 ? " after \(attempts) attempts" : attempts == 0 ? " (not sent)" : ""
        switch reason {
        case .transport(let detail):
            return "S3 \(method) \(target) failed\(tries): \(detail); check that the endpoint is up and reachable"
        case .status(let status, let code, let message):
            var text = "S3 \(method) \(target) failed\(tries): HTTP \(status)"
            if let code { text += " \(code)" }
            if let message, !message.isEmpty { text += " (\(message))" }
            switch status {
            case 403: text += "; check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the region"
            case 404 where code == "NoSuchBucket": text += "; create the bucket first"
            case 301, 307: text += "; the bucket is in another region or needs virtual-hosted addressing"
            default: break
            }
            return text
        }
    }
}
