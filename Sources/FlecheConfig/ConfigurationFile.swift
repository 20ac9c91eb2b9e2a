import FlecheCache
import FlecheQuery
import FlecheStore
import FlecheValue
import Foundation

/// One parsed `fleche.toml`: its top-level tables as JSON (``TOMLReader`` reads TOML 1.0).
struct ConfigurationFile: Sendable {
    /// The file's path.
    let path: String
    /// The top-level tables and values, in file order.
    let tables: [(String, JSON)]

    /// The directory relative roots in this file resolve against.
    var directory: String { (path as NSString).deletingLastPathComponent }

    /// Reads and parses `path`; a malformed file is ``FlecheError/invalidConfiguration(path:reason:)``.
    init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FlecheError.invalidConfiguration(path: path, reason: "cannot read it (\(error.localizedDescription))")
        }
        try self.init(text: text, path: path)
    }

    /// Parses `text` as the file at `path` (which relative roots resolve against).
    init(text: String, path: String) throws {
        self.path = path
        let json: JSON
        do {
            json = try TOMLReader.parse(text)
        } catch {
            throw FlecheError.invalidConfiguration(path: path, reason: "not valid TOML at \(error)")
        }
        tables = json.objectValue ?? []
    }

    /// `[default] root = true`: no file farther up is read.
    var isRoot: Bool {
        if case .bool(true)? = tables.first(where: { $0.0 == "default" })?.1["root"] { return true }
        return false
    }

    /// The `fleche.toml` files that apply in `directory`, closest first: one per directory
    /// from `directory` up to `$HOME` (inclusive) or `/`, then
    /// `$XDG_CONFIG_HOME/fleche/cache.toml` (default `~/.config`). Only existing files.
    static func candidates(from directory: String, environment: [String: String]) -> [String] {
        let home = environment["HOME"].map { ($0 as NSString).standardizingPath }
        var found: [String] = []
        var current = (directory as NSString).standardizingPath
        while true {
            let candidate = current + (current.hasSuffix("/") ? "" : "/") + "fleche.toml"
            if FileManager.default.fileExists(atPath: candidate) { found.append(candidate) }
            if current == "/" || current == home { break }
            current = (current as NSString).deletingLastPathComponent
            if current.isEmpty { break }
        }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? home.map { $0 + "/.config" }
        if let configHome {
            let global = configHome + "/fleche/cache.toml"
            if FileManager.default.fileExists(atPath: global), !found.contains(global) { found.append(global) }
        }
        return found
    }
}
