import FlecheStore
import FlecheValue

extension StoreBudget {
    /// The budget of `budget = { max_size = "50G", max_age = "30d", auto_trim = true }` in a
    /// cache's table (`nil` when `spec` is absent): what `fleche gc` enforces, and with
    /// `auto_trim` a file store's writers too (a size is bytes or text with K, M, G or T; an
    /// age seconds or text with s, m, h or d). `fail` makes the error of a mistake.
    init?(setting spec: JSON?, fail: (String) -> FlecheError) throws {
        guard let spec else { return nil }
        guard let table = spec.objectValue else { throw fail("budget must be a table: budget = { max_size = \"50G\", max_age = \"30d\" }") }
        if let unknown = table.map(\.0).first(where: { !["max_size", "max_age", "auto_trim"].contains($0) }) {
            throw fail("unknown budget setting '\(unknown)'; known: auto_trim, max_age, max_size")
        }
        let trimsAutomatically: Bool
        switch spec["auto_trim"] {
        case nil: trimsAutomatically = false
        case .bool(let value)?: trimsAutomatically = value
        default: throw fail("budget auto_trim must be true or false")
        }
        func reading<T>(_ name: String, _ parse: (String) throws -> T, _ number: (Int64) -> T) throws -> T? {
            switch spec[name] {
            case nil: return nil
            case .int(let value)? where value >= 0: return number(value)
            case .string(let text)?:
                do { return try parse(text) } catch { throw fail("budget \(name): \(error)") }
            default: throw fail("budget \(name) must be text such as \"50G\" or \"30d\", or a whole number")
            }
        }
        let maxSize = try reading("max_size", StoreBudget.parseSize, { Int($0) })
        if trimsAutomatically, maxSize == nil {
            throw fail("budget auto_trim needs max_size: budget = { max_size = \"50G\", auto_trim = true }")
        }
        self.init(
            maxSize: maxSize, maxAge: try reading("max_age", StoreBudget.parseDuration, { Double($0) }),
            trimsAutomatically: trimsAutomatically)
    }
}
