import Foundation
import Testing
@testable import FlecheQuery

/// Listings write times by hand; they must read as Foundation's ISO 8601 writes them.
@Suite("Listed times")
struct UTCTimeTests {
    func foundation(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }

    @Test("the hand-written UTC time equals Foundation's ISO 8601, across leap days, centuries and before 1970")
    func sameAsFoundation() {
        var times: [Double] = [0, 0.999, 59, 86_399.5, 86_400, 951_782_400, 951_868_799, 4_107_542_400, 1_764_213_249.75,
                               -1, -0.5, -86_401, -2_208_988_800, 253_402_300_799]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { times.append(Double.random(in: -3e9...5e9, using: &generator)) }
        for time in times {
            #expect(UTCTime.iso8601(time) == foundation(time), "\(time)")
        }
        #expect(UTCTime.iso8601(nil) == "-")
        #expect(UTCTime.iso8601(.nan) == "-")
    }
}
