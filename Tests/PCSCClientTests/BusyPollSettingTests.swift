@testable import PCSCClient
import Testing

@Suite struct BusyPollSettingTests {
    @Test(arguments: [("0", 0), ("100", 100), ("10000", 10_000), ("007", 7)])
    func wholeNumbersAreAccepted(text: String, microseconds: Int) {
        #expect(text.withCString { parseBusyPoll($0) } == microseconds)
    }

    @Test(arguments: ["", "10001", "-1", "1.5", "50us", " 5", "99999999999999999999999"])
    func otherValuesAreIgnored(text: String) {
        #expect(text.withCString { parseBusyPoll($0) } == nil)
    }

    @Test func pollingIsOnByDefault() {
        #expect(ClientConfiguration().busyPollMicroseconds == ClientConfiguration.defaultBusyPollMicroseconds)
        #expect(ClientConfiguration.defaultBusyPollMicroseconds > 0)
    }
}
