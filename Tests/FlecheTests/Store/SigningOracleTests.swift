import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore

/// The signature's bytes against Python's `hmac` (an independent implementation). Apart
/// from ``SigningTests`` because it starts a process: it (and its file: Swift Testing's
/// filters match test IDs, which name the file) is left out of the AddressSanitizer run, where Foundation's `Process.run` leaks a weak reference.
@Suite("signed manifests: Python's hmac as the oracle")
struct SigningOracleTests {
    @Test("the signature is HMAC-SHA256 over the key, a newline and the unsigned manifest (Python's hmac agrees)")
    func matchesPythonHMAC() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path, signingKeys: SigningTests.keyed)
        let record = CallRecord(name: "f", module: "M", arguments: [], result: nil)
        let callKey = try Cache(store: store).save(record, values: [:])
        let signedPath = store.calls.path(of: callKey)
        let unsigned = directory.sub("unsigned")
        try Data(CallManifest.encode(record)).write(to: URL(fileURLWithPath: unsigned))
        let script = """
            import hmac, hashlib, json, sys
            key, name, unsigned, signed = bytes.fromhex(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()
            mac = hmac.new(key, name.encode() + b"\\n" + unsigned, hashlib.sha256).hexdigest()
            keyid = hashlib.sha256(key).hexdigest()[:8]
            expected = unsigned[:-3] + (',\\n  "signature": {"key": "%s", "hmac": "%s"}\\n}\\n' % (keyid, mac)).encode()
            assert signed == expected, (signed, expected)
            assert json.loads(signed)["signature"]["hmac"] == mac
            print("ok")
            """
        let hex = SigningTests.key.map { String(format: "%02x", $0) }.joined()
        let result = try run("/usr/bin/env", ["python3", "-c", script, hex, callKey.hex, unsigned, signedPath])
        #expect(result.stdout == "ok\n", "\(result.stderr)")
    }
}
