import ArgumentParser
import Fleche

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print a stored value as JSON (a call key prints its result), or write a file or directory result out.")

    @Argument(help: "A value or call key, or a prefix of at least 4 characters.")
    var key: String

    @Flag(name: .long, help: "Print the lossless JSON form (the form inlined in manifests) instead of plain JSON.")
    var form = false

    @Option(
        name: .long,
        help: "Write the value out at this path instead of printing it: a file or directory result as the file or tree it was, bytes as a file's content.")
    var output: String?

    @Flag(name: .long, help: "With --output: copy the bytes (checked as they go) instead of cloning them where the file system can.")
    var copy = false

    @Flag(
        name: .long,
        help: "With --output: hard-link each file to a read-only copy kept in the store (no bytes written, no space used; copied where a link cannot be made). The files are read-only.")
    var link = false

    @OptionGroup var options: StoreOptions

    func validate() throws {
        if copy && output == nil { throw ValidationError("--copy needs --output PATH") }
        if link && output == nil { throw ValidationError("--link needs --output PATH") }
        if link && copy { throw ValidationError("--link and --copy are two ways to write; choose one") }
        if form && output != nil { throw ValidationError("--form prints; it does not go with --output") }
    }

    func run() throws {
        let cache = try options.openCache()
        let full = try cache.expand(key)
        let value = try cache.contains(full) ? try cache.load(full).resultValue() : try cache.loadValue(full)
        if let output {
            try cache.write(value, to: output, mode: copy ? .copy : link ? .hardLink : .cloneOrCopy)
            return
        }
        printJSON(form ? value.jsonForm : value.plainJSON)
    }
}
