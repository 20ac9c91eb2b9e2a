import FlecheConfig
import FlecheValue
import Foundation

extension FuzzTarget {
    /// `fleche.toml`: any text gives a configuration whose every cache builds, or a
    /// `FlecheError` (`invalidConfiguration` for the file itself; a store may refuse its
    /// folder); never a crash. File stores are created under a scratch folder (an input that
    /// could name a path outside it is skipped).
    package static let configuration = FuzzTarget(name: "toml") { bytes in
        // Relative roots only, so that every store the input names lands in the scratch folder.
        let text = String(decoding: bytes, as: UTF8.self)
        guard !text.contains("/"), !text.contains("~"), !text.contains("\\"), !text.contains("..") else { return }
        let built = Result {
            let configuration = try FlecheConfiguration(text: text, path: ConfigurationScratch.path)
            for name in configuration.cacheNames { _ = try configuration.cache(named: name) }
            _ = try configuration.defaultCache()
            _ = try configuration.metadataCollectors()
        }
        if case .failure(let error) = built {
            try require(error is FlecheError, "a bad fleche.toml throws \(type(of: error)), not FlecheError: \(error)")
        }
    }
}

/// The folder the configuration target's stores are created in, emptied once per run.
enum ConfigurationScratch {
    package static let path: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = base + "/fleche-fuzz-toml-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ConfigurationScratch.path) }
        return folder + "/fleche.toml"
    }()
}
