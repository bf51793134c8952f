import Testing

@testable import PCSCDaemon

@Suite struct RequestPollingTests {
    @Test func placesAreLimited() {
        let polling = RequestPolling(windowMicroseconds: 50, maximumPollers: 2)
        #expect(polling.tryAcquire())
        #expect(polling.tryAcquire())
        #expect(!polling.tryAcquire())
        polling.release()
        #expect(polling.tryAcquire())
    }

    @Test func atLeastOneThreadPolls() {
        let polling = RequestPolling(windowMicroseconds: 50, maximumPollers: 0)
        #expect(polling.maximumPollers == 1)
        #expect(polling.tryAcquire())
        #expect(!polling.tryAcquire())
    }
}
