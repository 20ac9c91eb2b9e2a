import Foundation
import Testing
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("Call keys")
struct CallKeyTests {
    @Test("the call key covers name, module, version and arguments in order, not metadata or result")
    func callKey() {
        let base = Call(name: "f", module: "M", version: "1", arguments: [.init(name: "i", value: .int(1)), .init(name: "s", value: .string("a"))])
        let key = base.key(using: .sha256)
        var other = base
        other.metadata = ["runtime": ["walltime": .double(1)]]
        other.result = .int(3)
        #expect(other.key(using: .sha256) == key)
        for change in [
            { (c: inout Call) in c.name = "g" }, { $0.module = nil }, { $0.version = "2" },
            { $0.arguments.reverse() }, { $0.arguments[0].value = .int(2) }, { $0.arguments[0].name = "j" },
        ] {
            var changed = base
            change(&changed)
            #expect(changed.key(using: .sha256) != key)
        }
        #expect(base.record(using: .sha256, inlineLimit: 256).key(using: .sha256) == key)
        #expect(base.record(using: .sha256, inlineLimit: 0).key(using: .sha256) == key)
    }
}
