import FlecheCache
import FlecheStore
import FlecheValue

extension BaseCache {
    /// The calls matching `template`: a lazy query, evaluated each time it is read, so it
    /// always reflects the cache as it is then.
    public func query(_ template: CallTemplate = CallTemplate()) -> CallQuery {
        CallQuery(cache: self, source: { [self] in try matchingCalls(template) }, counter: { [self] in try countMatching(template) })
    }

    /// The calls matching the given fields (`nil` fields match anything).
    public func query(
        name: String? = nil, module: String? = nil, version: String? = nil,
        arguments: [String: ValuePattern] = [:], result: ValuePattern? = nil,
        metadata: [String: [String: JSON?]]? = nil
    ) -> CallQuery {
        query(CallTemplate(
            name: name, module: module, version: version, arguments: arguments, result: result, metadata: metadata))
    }

    /// A table of every call (see ``CallQuery/table(arguments:results:shrinkKeys:progress:)``).
    public func table(arguments: TableArguments = [], results: Bool = false, shrinkKeys: Bool = true) throws -> CallTable {
        try query().table(arguments: arguments, results: results, shrinkKeys: shrinkKeys)
    }

    /// Copies every call, with its values and metadata, to `destination` (see
    /// ``CallQuery/transfer(to:pop:overwrite:progress:)``).
    @discardableResult
    public func transfer(to destination: any BaseCache, pop: Bool = false, overwrite: Bool = false) throws -> TransferReport {
        try query().transfer(to: destination, pop: pop, overwrite: overwrite)
    }
}
