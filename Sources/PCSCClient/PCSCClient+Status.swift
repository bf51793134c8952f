import PCSCTypes
import PCSCWire

extension PCSCClient {
    /// Reports the state of the card handle's reader. `SCardStatus`.
    ///
    /// The state comes from the daemon's reader array, looked up by the name the
    /// application passed to `connect`. `SCARD_STATUS` is sent only for its result code
    /// (`SCARD_W_RESET_CARD` or `SCARD_W_REMOVED_CARD` while such an event is pending on the
    /// handle). A reader that left the array is `SCARD_E_READER_UNAVAILABLE`. Retries every
    /// 100 ms on a sharing violation unless `PCSCLITE_NO_BLOCKING` is set. An orphaned
    /// handle gets `SCARD_W_REMOVED_CARD`.
    ///
    /// NOTE: pcsc-lite also fills in the outputs when the daemon answers
    /// `SCARD_E_INSUFFICIENT_BUFFER` to `SCARD_STATUS`; this returns the status as on
    /// success then. No pcscd sends that code for this command.
    public func status(_ card: CardHandle) throws(PCSCError) -> CardStatus {
        try retryingOnSharingViolation(isSharingViolation: { _ in false }) { () throws(PCSCError) -> CardStatus in
            try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) -> CardStatus in
                try session.ensureLive(client: self)
                guard !session.isOrphaned(binding) else { throw .removedCard }

                let readers = try session.run { connection throws(TransportFailure) in
                    try connection.fetchReaderArray()
                }
                guard let index = readers.index(named: binding.readerName) else { throw .readerUnavailable }
                let entry = readers.entry(at: index)

                let reply = try session.run { connection throws(TransportFailure) in
                    try connection.exchange(.status, StatusMessage(card: binding.daemonCard))
                }
                if let error = PCSCError(code: reply.rv), error != .insufficientBuffer { throw error }

                return CardStatus(
                    readerName: binding.readerName, state: entry.readerState, eventCounter: entry.eventCounter,
                    cardProtocol: entry.cardProtocol, atr: entry.atr)
            }
        }
    }
}
