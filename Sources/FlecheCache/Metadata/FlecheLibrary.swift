import FlecheStore
import FlecheValue
/// Library-wide constants.
public enum FlecheLibrary {
    /// This library's version.
    public static let version = "0.1.0"
}
