import FlecheSystem
import FlecheValue
import Foundation

/// An access key pair (and the session token of temporary credentials), found the way the
/// AWS tools find them: the environment first (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), then the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, or
/// `~/.aws/credentials`) under the profile `AWS_PROFILE` (or `default`).
public struct S3Credentials: Sendable, Equatable {
    /// The access key id (`AKIA…`), sent in the clear in every request's credential.
    public var accessKeyID: String
    /// The secret access key; it signs, and is never sent.
    public var secretAccessKey: String
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    public var sessionToken: String?

    /// Credentials given directly.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The credentials the environment names, else those of the shared credentials file.
    ///
    /// - Parameters:
    ///   - environment: the variables to read (the process's by default).
    ///   - profile: the profile of the shared file (default: `AWS_PROFILE`, else `default`).
    /// - Throws: `FlecheError.invalidConfiguration` naming what to set when neither has a
    ///   key pair, or when the file's profile lacks one of the two keys.
    public static func discover(
        environment: [String: String] = ProcessInfo.processInfo.environment, profile: String? = nil
    ) throws -> S3Credentials {
        if let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"],
            !id.isEmpty, !secret.isEmpty
        {
            return S3Credentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        }
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials")
        let name = profile ?? environment["AWS_PROFILE"] ?? "default"
        let advice = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add them to profile [\(name)] of \(path)"
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readFile(path)
        } catch {
            throw FlecheError.invalidConfiguration(path: path, reason: "cannot read the credentials file (\(error)); \(advice)")
        }
        guard let bytes else {
            throw FlecheError.invalidConfiguration(path: path, reason: "no S3 credentials: \(advice)")
        }
        let sections = parseINI(String(decoding: bytes, as: UTF8.self))
        guard let section = sections[name] else {
            throw FlecheError.invalidConfiguration(path: path, reason: "no profile [\(name)]: \(advice)")
        }
        guard let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw FlecheError.invalidConfiguration(
                path: path, reason: "profile [\(name)] needs aws_access_key_id and aws_secret_access_key")
        }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
    }

    /// The sections of an INI file as the AWS tools read it: `[name]` headers, `key = value`
    /// lines (keys lowercased), `#` and `;` comment lines.
    package static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name.hasPrefix("profile ") ? String(name.dropFirst("profile ".count)) : name
                sections[current!, default: [:]] = sections[current!, default: [:]]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]![key] = value
        }
        return sections
    }
}
