import FlecheStore
import FlecheValue

extension FuzzTarget {
    /// A store's `FORMAT` file: settings or `FlecheError.unknownFormat`, and accepted settings
    /// are written back to a file that reads as the same settings.
    package static let storeFormat = FuzzTarget(name: "format") { bytes in
        let read = Result { try StoreFormat(fileBytes: Array(bytes), path: "/fuzz") }
        switch read {
        case .success(let format):
            let again = Result { try StoreFormat(fileBytes: format.fileBytes, path: "/fuzz") }
            try require((try? again.get()) == format, "settings do not survive writing and reading back")
        case .failure(let error):
            guard let error = error as? FlecheError, case .unknownFormat = error else {
                return try require(false, "a bad FORMAT is not FlecheError.unknownFormat: \(error)")
            }
        }
    }
}
