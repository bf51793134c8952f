import PCSCTypes
import Testing

@testable import PCSCDaemon

@Suite struct SharingStateTests {
    @Test func exclusiveNeedsEmptySlot() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        #expect(throws: PCSCError.sharingViolation) { try state.admit(card: 2, mode: .exclusive, connection: 2) }
        #expect(state.publishedSharing == 1)
    }

    @Test func exclusiveBlocksEveryone() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .exclusive, connection: 1)
        #expect(state.publishedSharing == -1)
        #expect(throws: PCSCError.sharingViolation) { try state.admit(card: 2, mode: .shared, connection: 2) }
        #expect(throws: PCSCError.sharingViolation) { try state.admit(card: 3, mode: .direct, connection: 2) }
        #expect(throws: PCSCError.sharingViolation) { try state.checkSharing(2) }
    }

    @Test func exclusiveEndWithoutBeginIsNotTransacted() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .exclusive, connection: 1)
        #expect(throws: PCSCError.notTransacted) { try state.endTransaction(card: 1) }
        try state.beginTransaction(card: 1)
        try state.endTransaction(card: 1)
        #expect(throws: PCSCError.notTransacted) { try state.endTransaction(card: 1) }
    }

    @Test func nestedTransactionsCount() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        try state.admit(card: 2, mode: .shared, connection: 2)
        try state.beginTransaction(card: 1)
        try state.beginTransaction(card: 1)
        #expect(throws: PCSCError.sharingViolation) { try state.beginTransaction(card: 2) }
        try state.endTransaction(card: 1)
        #expect(state.isLocked(against: 2))
        try state.endTransaction(card: 1)
        #expect(!state.isLocked(against: 2))
        #expect(throws: PCSCError.notTransacted) { try state.endTransaction(card: 1) }
        try state.beginTransaction(card: 2)
        #expect(state.lockOwner == 2)
    }

    @Test func removingOwnerReleasesLock() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        try state.admit(card: 2, mode: .shared, connection: 2)
        try state.beginTransaction(card: 1)
        state.remove(card: 1)
        #expect(state.lockOwner == nil)
        #expect(state.publishedSharing == 1)
        try state.beginTransaction(card: 2)
    }

    @Test func removingExclusiveFreesSlot() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .exclusive, connection: 1)
        state.remove(card: 1)
        #expect(!state.isExclusive)
        #expect(state.publishedSharing == 0)
        try state.admit(card: 2, mode: .exclusive, connection: 2)
    }

    @Test func reconnectToExclusiveOnlyWhenAlone() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        try state.admit(card: 2, mode: .shared, connection: 2)
        #expect(throws: PCSCError.sharingViolation) { try state.changeMode(card: 1, to: .exclusive) }
        state.remove(card: 2)
        try state.changeMode(card: 1, to: .exclusive)
        #expect(state.publishedSharing == -1)
        try state.changeMode(card: 1, to: .shared)
        #expect(state.publishedSharing == 1)
        #expect(state.lockOwner == nil)
    }

    @Test func pendingEventsAreSticky() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        try state.admit(card: 2, mode: .shared, connection: 2)
        state.markAll(.reset)
        #expect(throws: PCSCError.resetCard) { try state.checkPendingEvent(1) }
        #expect(throws: PCSCError.resetCard) { try state.checkPendingEvent(1) }
        state.clearPendingEvent(card: 1)
        try state.checkPendingEvent(1)
        #expect(throws: PCSCError.resetCard) { try state.checkPendingEvent(2) }
    }

    @Test func cardRemovalDropsLockAndMarksHandles() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 1)
        try state.beginTransaction(card: 1)
        state.cardRemoved()
        #expect(state.lockOwner == nil)
        #expect(throws: PCSCError.removedCard) { try state.checkPendingEvent(1) }
    }

    @Test func cardsOfConnection() throws {
        var state = SharingState()
        try state.admit(card: 1, mode: .shared, connection: 7)
        try state.admit(card: 2, mode: .shared, connection: 8)
        try state.admit(card: 3, mode: .direct, connection: 7)
        #expect(Set(state.cards(of: 7)) == [1, 3])
    }
}
