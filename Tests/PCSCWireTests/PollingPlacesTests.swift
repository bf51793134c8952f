import Testing

@testable import PCSCWire

@Suite struct PollingPlacesTests {
    @Test func placesAreLimited() {
        let places = PollingPlaces(maximum: 2)
        #expect(places.tryAcquire())
        #expect(places.tryAcquire())
        #expect(!places.tryAcquire())
        places.release()
        #expect(places.tryAcquire())
    }

    @Test func atLeastOneThreadPolls() {
        let places = PollingPlaces(maximum: 0)
        #expect(places.maximum == 1)
        #expect(places.tryAcquire())
        #expect(!places.tryAcquire())
    }
}
