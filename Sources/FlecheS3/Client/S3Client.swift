import AsyncHTTPClient
import Crypto
import Dispatch
import FlecheSystem
import Foundation
import NIOCore
import NIOHTTP1

/// How often and how patiently a request is sent again after a transient failure.
public struct S3RetryPolicy: Sendable, Equatable {
    /// How many times a request is sent at most (1: never again).
    public var attempts: Int
    /// The wait before the second attempt; each later wait doubles, with jitter.
    public var firstDelay: Duration
    /// The longest wait between two attempts.
    public var longestDelay: Duration
    /// How long one attempt may take before it counts as a timeout.
    public var requestTimeout: Duration
    /// After a request that outlasted its retries, how long every request fails at once
    /// (not sent) instead of retrying again: a stack with a local layer then goes on at
    /// local speed while the server is down, and tries it again after the pause.
    public var outagePause: Duration

    /// Five attempts, 100 ms doubling up to 4 s, 30 s per attempt, a 10 s pause after an outage.
    public init(
        attempts: Int = 5, firstDelay: Duration = .milliseconds(100), longestDelay: Duration = .seconds(4),
        requestTimeout: Duration = .seconds(30), outagePause: Duration = .seconds(10)
    ) {
        self.attempts = max(1, attempts)
        self.firstDelay = firstDelay
        self.longestDelay = longestDelay
        self.requestTimeout = requestTimeout
        self.outagePause = outagePause
    }

    /// The wait after failed attempt `attempt` (1-based): doubling, capped, with up to a
    /// quarter of jitter so that many clients do not retry in step.
    func delay(after attempt: Int) -> TimeAmount {
        let base = firstDelay * (1 << min(attempt - 1, 20))
        let capped = min(base, longestDelay)
        let nanoseconds = capped.components.seconds * 1_000_000_000 + capped.components.attoseconds / 1_000_000_000
        return .nanoseconds(nanoseconds + Int64.random(in: 0...max(1, nanoseconds / 4)))
    }
}

/// The S3 requests a store needs (get, head, put, delete, list, create bucket), signed with
/// Signature Version 4, sent through async-http-client, retried with backoff on transient
/// failures. The calls block their thread until the answer (the storages are synchronous,
/// like the file store's); ``inParallel(_:_:)`` keeps up to ``maximumInFlight`` requests
/// going at once for listings, queries and transfers.
public final class S3Client: Sendable {
    /// The bucket and prefix of the store.
    public let location: S3Location
    /// The retry policy for transient failures.
    public let retry: S3RetryPolicy
    /// How many requests a batch keeps in flight at once.
    public let maximumInFlight: Int
    private let signer: SignatureV4
    /// Until when requests fail without being sent, after an outage.
    private let pausedUntil = Locked<ContinuousClock.Instant?>(nil)

    /// One client for the process: its connection pool is shared by every store, and it
    /// lives as long as the process (so it never needs shutting down).
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(5), read: .seconds(60)), decompression: .disabled)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A client for the store at `location`, signing with `credentials`.
    public init(location: S3Location, credentials: S3Credentials, retry: S3RetryPolicy = S3RetryPolicy(), maximumInFlight: Int = 16) {
        self.location = location
        self.retry = retry
        self.maximumInFlight = max(1, maximumInFlight)
        self.signer = SignatureV4(credentials: credentials, region: location.region)
    }

    /// An event loop of the client's, for futures that need no request.
    var eventLoop: any EventLoop { Self.http.eventLoopGroup.any() }

    /// An answer: its status, headers and body.
    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    // MARK: Requests, as futures

    /// Sends a request for `key` (empty: the bucket), retrying transient failures; any
    /// other answer, 404 included, is the future's value for the caller to read.
    func send(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) -> EventLoopFuture<Response> {
        if let until = pausedUntil.withLock({ $0 }), ContinuousClock.now < until {
            let reason = "the server did not answer a request moments ago; requests resume after a pause of \(retry.outagePause)"
            return eventLoop.makeFailedFuture(
                S3Error(method: method.rawValue, target: location.display(key), reason: .transport(reason), attempts: 0))
        }
        let payloadHash = body.isEmpty ? SignatureV4.emptyPayloadHash : SignatureV4.payloadHash(body)
        let pause = retry.outagePause
        return attempt(method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, number: 1)
            .always { [pausedUntil] result in
                switch result {
                case .failure(let error as S3Error) where error.isOutage:
                    pausedUntil.withLock { $0 = ContinuousClock.now + pause }
                case .success: pausedUntil.withLock { if $0 != nil { $0 = nil } }
                case .failure: break
                }
            }
    }

    private func attempt(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)], headers: [(name: String, value: String)],
        body: [UInt8], payloadHash: String, number: Int
    ) -> EventLoopFuture<Response> {
        let eventLoop = Self.http.eventLoopGroup.any()
        let target = location.display(key)
        let failure: @Sendable (S3Error.Reason) -> S3Error = { reason in
            S3Error(method: method.rawValue, target: target, reason: reason, attempts: number)
        }
        let retry = self.retry
        let again: @Sendable (S3Error) -> EventLoopFuture<Response> = { error in
            guard error.isTransient, number < retry.attempts else { return eventLoop.makeFailedFuture(error) }
            return eventLoop.scheduleTask(in: retry.delay(after: number)) {}.futureResult.flatMap {
                self.attempt(
                    method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, number: number + 1)
            }
        }
        let request: HTTPClient.Request
        do {
            request = try signedRequest(method, key: key, query: query, extraHeaders: headers, body: body, payloadHash: payloadHash)
        } catch {
            return eventLoop.makeFailedFuture(failure(.transport("cannot build the request: \(error)")))
        }
        let timeout = retry.requestTimeout.components
        let deadline = NIODeadline.now() + .seconds(timeout.seconds) + .nanoseconds(timeout.attoseconds / 1_000_000_000)
        return Self.http.execute(request: request, deadline: deadline)
            .map { answer in
                Response(status: Int(answer.status.code), headers: answer.headers, body: answer.body.map { Array($0.readableBytesView) } ?? [])
            }
            .flatMapError { error in again(failure(.transport("\(error)"))) }
            .flatMap { response in
                // A retried attempt answers only with a final status, so this retries once per attempt.
                guard response.status >= 500 || response.status == 429 else { return eventLoop.makeSucceededFuture(response) }
                let (code, message) = S3ErrorBody.parse(response.body)
                return again(failure(.status(response.status, code: code, message: message)))
            }
    }

    private func signedRequest(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)], extraHeaders: [(name: String, value: String)],
        body: [UInt8], payloadHash: String
    ) throws -> HTTPClient.Request {
        let path = location.path(of: key)
        let amzDate = SignatureV4.amzDate(Date())
        var headers: [(name: String, value: String)] = [
            ("host", location.hostHeader), ("x-amz-content-sha256", payloadHash), ("x-amz-date", amzDate),
        ]
        if let token = signer.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        headers += extraHeaders
        let authorization = signer.authorization(
            for: SignatureV4.Request(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash),
            amzDate: amzDate)
        var url = "\(location.scheme)://\(location.hostHeader)\(SignatureV4.canonicalPath(path))"
        if !query.isEmpty {
            url += "?" + query.map {
                "\(SignatureV4.encode($0.name, keepSlash: false))=\(SignatureV4.encode($0.value, keepSlash: false))"
            }.joined(separator: "&")
        }
        var httpHeaders = HTTPHeaders(headers.map { ($0.name, $0.value) })
        httpHeaders.add(name: "authorization", value: authorization)
        return try HTTPClient.Request(url: url, method: method, headers: httpHeaders, body: body.isEmpty ? nil : .bytes(body))
    }

    /// The error for an answer a request did not expect.
    func unexpected(_ response: Response, _ method: HTTPMethod, key: String) -> S3Error {
        let (code, message) = S3ErrorBody.parse(response.body)
        return S3Error(
            method: method.rawValue, target: location.display(key), reason: .status(response.status, code: code, message: message),
            attempts: 1)
    }

    /// The object's bytes (with `prefix`, only its first `prefix` bytes, or all of a shorter
    /// object), or `nil` when there is no such key.
    func getFuture(_ key: String, prefix: Int? = nil) -> EventLoopFuture<[UInt8]?> {
        getWithTimeFuture(key, prefix: prefix).map { $0?.bytes }
    }

    /// The object's bytes (as ``getFuture(_:prefix:)``) and its `Last-Modified`, or `nil`
    /// when there is no such key.
    func getWithTimeFuture(_ key: String, prefix: Int? = nil) -> EventLoopFuture<(bytes: [UInt8], lastModified: Date?)?> {
        let range = prefix.map { [(name: "range", value: "bytes=0-\($0 - 1)")] } ?? []
        return send(.GET, key: key, headers: range).flatMapThrowing { response in
            switch response.status {
            case 200, 206: return (response.body, response.headers.first(name: "last-modified").flatMap(S3Time.parseHTTPDate))
            case 404 where S3ErrorBody.parse(response.body).code != "NoSuchBucket": return nil
            default: throw self.unexpected(response, .GET, key: key)
            }
        }
    }

    /// Renews `key`'s `Last-Modified` without sending its bytes (a server-side copy onto
    /// itself); `false` when there is no such key, so a key deleted meanwhile is never
    /// written back.
    func touchFuture(_ key: String) -> EventLoopFuture<Bool> {
        let source = SignatureV4.encode("\(location.bucket)/\(key)", keepSlash: true)
        let headers = [(name: "x-amz-copy-source", value: source), (name: "x-amz-metadata-directive", value: "REPLACE")]
        return send(.PUT, key: key, headers: headers).flatMapThrowing { response in
            switch response.status {
            // A copy can fail after its 200 has been sent: the body is then an error.
            case 200 where S3ErrorBody.parse(response.body).code == nil: return true
            case 404: return false
            default: throw self.unexpected(response, .PUT, key: key)
            }
        }
    }

    /// Stores `bytes` under `key`, replacing what is there.
    func putFuture(_ key: String, _ bytes: [UInt8]) -> EventLoopFuture<Void> {
        send(.PUT, key: key, body: bytes).flatMapThrowing { response in
            guard response.status == 200 else { throw self.unexpected(response, .PUT, key: key) }
        }
    }

    /// Size and time of `key`, or `nil` when there is no such key.
    func headFuture(_ key: String) -> EventLoopFuture<S3ObjectInfo?> {
        send(.HEAD, key: key).flatMapThrowing { response in
            switch response.status {
            case 200:
                let size = response.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                let modified = response.headers.first(name: "last-modified").flatMap(S3Time.parseHTTPDate)
                return S3ObjectInfo(key: key, size: size, lastModified: modified)
            case 404: return nil
            default: throw self.unexpected(response, .HEAD, key: key)
            }
        }
    }

    /// Deletes `key` (S3 answers the same whether it was there or not).
    func deleteFuture(_ key: String) -> EventLoopFuture<Void> {
        send(.DELETE, key: key).flatMapThrowing { response in
            guard response.status == 204 || response.status == 200 || response.status == 404 else {
                throw self.unexpected(response, .DELETE, key: key)
            }
        }
    }

    // MARK: The same, blocking

    /// The object's bytes, or `nil` when there is no such key.
    public func get(_ key: String) throws -> [UInt8]? { try getFuture(key).wait() }
    /// Stores `bytes` under `key`, replacing what is there.
    public func put(_ key: String, _ bytes: [UInt8]) throws { try putFuture(key, bytes).wait() }
    /// Size and time of `key`, or `nil` when there is no such key.
    public func head(_ key: String) throws -> S3ObjectInfo? { try headFuture(key).wait() }
    /// Deletes `key`.
    public func delete(_ key: String) throws { try deleteFuture(key).wait() }
    /// Renews `key`'s `Last-Modified` (a copy onto itself); `false` when there is no such key.
    public func touch(_ key: String) throws -> Bool { try touchFuture(key).wait() }

    /// Every key that starts with `prefix`, with sizes and times, in key order (one request
    /// per thousand keys, as ListObjectsV2 pages them).
    public func list(prefix: String) throws -> [S3ObjectInfo] {
        var found: [S3ObjectInfo] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send(.GET, key: "", query: query).wait()
            guard response.status == 200 else { throw unexpected(response, .GET, key: "?prefix=\(prefix)") }
            let page = S3ListPage.parse(response.body)
            found += page.objects
            token = page.isTruncated ? page.nextToken : nil
        } while token != nil
        return found
    }

    /// Creates the bucket; one that exists and is this account's counts as success.
    public func createBucket() throws {
        let response = try send(.PUT, key: "").wait()
        switch response.status {
        case 200: return
        case 409 where S3ErrorBody.parse(response.body).code == "BucketAlreadyOwnedByYou": return
        default: throw unexpected(response, .PUT, key: "")
        }
    }

    /// Runs `operation` on every item with up to ``maximumInFlight`` of them in flight, and
    /// returns the results in the order of `items`; the first failure is thrown once every
    /// request has settled (none is left running behind the caller).
    public func inParallel<Item, Output: Sendable>(
        _ items: [Item], _ operation: (Item) -> EventLoopFuture<Output>
    ) throws -> [Output] {
        let results = Locked([Result<Output, any Error>?](repeating: nil, count: items.count))
        let slots = DispatchSemaphore(value: maximumInFlight)
        let group = DispatchGroup()
        for (index, item) in items.enumerated() {
            slots.wait()
            group.enter()
            operation(item).whenComplete { result in
                results.withLock { $0[index] = result }
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        return try results.withLock { all in try all.map { try $0!.get() } }
    }
}
