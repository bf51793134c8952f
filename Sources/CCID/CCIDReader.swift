import PCSCTypes
import Synchronization
import Threading
import USBTransport

/// A CCID or ICCD-B reader: one USB interface with one or more slots, used the way pcscd
/// uses an IFD handler.
///
/// All methods may be called from several threads. Commands on the bulk pipe are
/// serialised by one lock per interface, so a long PIN entry on one slot delays presence
/// polls of the others. `waitForSlotChange` does not take that lock. Slots are numbered
/// from 0 to `slotCount - 1`.
public final class CCIDReader: Sendable {
    public let device: any USBDevice
    /// The descriptor with the reader's quirks applied.
    public let configuration: CCIDReaderConfiguration
    public let options: CCIDReaderOptions
    /// The USB strings read at open.
    public let strings: ReaderStrings
    /// The name used in errors.
    public let displayName: String

    let transport: ReaderTransport
    let state: Locked<ReaderState>
    let isClosed = Atomic<Bool>(false)

    /// Opens a reader: claims the interface, reads the USB strings and data rates, and
    /// resynchronises with GetSlotStatus as libccid does after a daemon restart (one read
    /// with the normal timeout, then up to two with a short one).
    ///
    /// Throws `.firmwareTooOld` for blacklisted firmware (unless the options allow it),
    /// `.unsupportedTransport` for ICCD version A, `.unsupportedExchangeLevel` for
    /// character-level readers, `.deviceGone`, or `.communicationError` when the interface
    /// cannot be claimed or the reader does not respond.
    public init(device: any USBDevice, interface: CCIDInterface, options: CCIDReaderOptions = CCIDReaderOptions()) throws(CCIDError) {
        let configuration = CCIDReaderConfiguration(device: device.info, interface: interface)
        let strings = Self.readStrings(device, interface)
        let displayName = options.displayName ?? Self.defaultDisplayName(configuration, strings)

        self.device = device
        self.configuration = configuration
        self.options = options
        self.strings = strings
        self.displayName = displayName
        self.transport = try Self.makeTransport(device, configuration, options, displayName)

        var state = ReaderState(
            slotCount: configuration.slotCount,
            defaultReadTimeout: configuration.quirks.openTimeoutMilliseconds ?? CCIDTimeouts.defaultRead)
        self.state = Locked(state)

        do {
            try device.claimInterface(interface.interfaceNumber)
        } catch .noDevice {
            throw .deviceGone
        } catch {
            throw .communicationError(.claimFailed(error))
        }

        do {
            try openSequence(&state)
        } catch {
            device.releaseInterface(interface.interfaceNumber)
            throw error
        }
        self.state.withLock { $0 = state }
    }

    /// Number of slots.
    public var slotCount: Int { configuration.slotCount }

    /// Whether `waitForSlotChange` reports events from the interrupt endpoint (else it
    /// returns `.pollRequired` after a polling interval).
    public var reportsSlotChanges: Bool { configuration.usesInterruptEndpoint }

    /// Powers down every powered card, releases the interface and makes every later call
    /// throw `.readerClosed`. The device itself stays open: the caller closes it, which
    /// also ends a pending `waitForSlotChange`.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }

        state.withLock { state in
            for slot in state.slots.indices where state.slots[slot].isPowered {
                _ = try? transport.exchange(.iccPowerOff, slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
            }
            state.isClosed = true
        }
        device.releaseInterface(configuration.interface.interfaceNumber)
    }

    /// Runs `body` under the bulk lock, after checking that the reader is open.
    func withState<Result: Sendable>(_ body: (inout ReaderState) throws(CCIDError) -> Result) throws(CCIDError) -> Result {
        guard !isClosed.load(ordering: .acquiring) else { throw .readerClosed }
        return try state.withLock { (state: inout ReaderState) throws(CCIDError) -> Result in
            guard !state.isClosed else { throw .readerClosed }
            return try body(&state)
        }
    }

    /// Throws unless `slot` exists.
    func checkSlot(_ slot: Int) throws(CCIDError) {
        guard slot >= 0 && slot < slotCount else {
            throw .invalidParameter("slot \(slot) (the reader has \(slotCount) slots)")
        }
    }

    func warn(_ message: String) {
        options.warningHandler?("\(displayName): \(message)")
    }
}

// MARK: - Open sequence

extension CCIDReader {
    private static func makeTransport(
        _ device: any USBDevice, _ configuration: CCIDReaderConfiguration, _ options: CCIDReaderOptions,
        _ name: String
    ) throws(CCIDError) -> ReaderTransport {
        let interface = configuration.interface
        if configuration.firmwareIsBelowMinimum && !options.allowsOutdatedFirmware {
            throw .firmwareTooOld(
                reader: name, release: configuration.firmwareRelease,
                minimum: configuration.quirks.minimumFirmwareRelease ?? 0)
        }
        guard let level = configuration.exchangeLevel, level != .character else {
            let level = configuration.exchangeLevel?.description ?? "undefined (dwFeatures 0x\(hex4(UInt16(configuration.features.rawValue >> 16))))"
            throw .unsupportedExchangeLevel(reader: name, level: level)
        }

        switch interface.transportProtocol {
        case .iccdVersionA:
            // NOTE: ICCD version A tokens are driven at character level with control
            // transfers; this driver does not implement that.
            throw .unsupportedTransport(reader: name, transport: .iccdVersionA)
        case .iccdVersionB:
            return .iccd(ICCDTransport(
                device: device, interfaceNumber: interface.interfaceNumber,
                maxCommandDuration: options.maxCommandDuration))
        case .ccid:
            guard let bulkIn = interface.endpoints.bulkIn, let bulkOut = interface.endpoints.bulkOut else {
                throw .notSupported("CCID interface \(interface.interfaceNumber) of \(name) has no bulk IN and OUT endpoints")
            }
            let handler = options.warningHandler
            return .bulk(BulkTransport(
                device: device, bulkOut: bulkOut, bulkIn: bulkIn, interfaceNumber: interface.interfaceNumber,
                maxCommandDuration: options.maxCommandDuration,
                warn: { message in handler?("\(name): \(message)") }))
        }
    }

    private static func readStrings(_ device: any USBDevice, _ interface: CCIDInterface) -> ReaderStrings {
        func read(_ index: UInt8) -> String? {
            guard index != 0, let text = try? device.string(at: index), !text.isEmpty else { return nil }
            return text
        }
        let info = device.info
        return ReaderStrings(
            manufacturer: read(info.manufacturerStringIndex),
            product: read(info.productStringIndex),
            serialNumber: read(info.serialNumberStringIndex),
            interface: read(interface.interfaceStringIndex))
    }

    private static func defaultDisplayName(_ configuration: CCIDReaderConfiguration, _ strings: ReaderStrings) -> String {
        let parts = [strings.manufacturer, strings.product].compactMap { $0 }
        let text = parts.joined(separator: " ")
        return text.isEmpty ? "\(configuration.product)" : "\(text) (\(configuration.product))"
    }

    /// libccid's open steps after the claim: data rates, settling delay, interrupt drain,
    /// GetSlotStatus resynchronisation, then the Gemalto firmware-feature query while the
    /// short timeout is in force.
    private func openSequence(_ state: inout ReaderState) throws(CCIDError) {
        state.dataRates = try readDataRates()

        if configuration.quirks.openDelayMilliseconds > 0 {
            MonotonicClock.sleep(milliseconds: Int(configuration.quirks.openDelayMilliseconds))
        }
        if configuration.usesInterruptEndpoint, let endpoint = configuration.interface.endpoints.interruptIn {
            do {
                _ = try device.interruptRead(endpoint: endpoint, maxLength: 8, timeoutMilliseconds: 100)
            } catch .noDevice {
                throw .deviceGone
            } catch {
                // Nothing pending: the usual case.
            }
        }

        let timeout = state.defaultReadTimeout
        try resynchronise(&state, timeout: timeout)
        let shortTimeout = max(1, timeout * CCIDTimeouts.resynchronisationRead / CCIDTimeouts.defaultRead)

        if configuration.quirks.queriesGemaltoFirmwareFeatures, case .bulk = transport {
            state.gemaltoFeatures = try queryGemaltoFeatures(&state, timeout: shortTimeout)
        }
        if configuration.interface.transportProtocol == .iccdVersionB {
            try cycleICCDPower(&state)
        }
    }

    private func resynchronise(_ state: inout ReaderState, timeout: UInt32) throws(CCIDError) {
        do {
            _ = try transport.exchange(.getSlotStatus, slot: 0, state: &state, timeout: timeout)
        } catch .deviceGone {
            throw .deviceGone
        } catch {
            warn("first GetSlotStatus at open failed: \(error)")
        }

        let shortTimeout = max(1, timeout * CCIDTimeouts.resynchronisationRead / CCIDTimeouts.defaultRead)
        var lastError: CCIDError?
        for _ in 0..<2 {
            do {
                _ = try transport.exchange(.getSlotStatus, slot: 0, state: &state, timeout: shortTimeout)
                return
            } catch .deviceGone {
                throw .deviceGone
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
    }

    /// Reads GET_DATA_RATES when the descriptor announces a list. A failed request or a
    /// response whose length is not a multiple of 4 means "no list".
    private func readDataRates() throws(CCIDError) -> [UInt32]? {
        let count = Int(configuration.interface.descriptor.numberOfDataRatesSupported)
        guard count > 0, case .bulk = transport else { return nil }

        let answer: [UInt8]
        do {
            answer = try device.controlTransfer(
                requestType: 0xA1, request: 0x03, value: 0, index: UInt16(configuration.interface.interfaceNumber),
                data: [], length: 4 * count, timeoutMilliseconds: CCIDTimeouts.defaultRead)
        } catch .noDevice {
            throw .deviceGone
        } catch {
            warn("GET_DATA_RATES failed: \(error)")
            return nil
        }
        guard answer.count % 4 == 0, !answer.isEmpty else { return nil }

        var rates = stride(from: 0, to: min(answer.count, 4 * count), by: 4).map { answer.littleEndianUInt32(at: $0) }
        rates.removeAll { $0 == 0 }
        if let ceiling = configuration.quirks.dataRateCeiling {
            rates.removeAll { $0 > ceiling }
        }
        return rates
    }

    private func queryGemaltoFeatures(_ state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> GemaltoFirmwareFeatures? {
        do {
            let response = try transport.exchange(.escape(GemaltoFirmwareFeatures.escapeCommand), slot: 0, state: &state, timeout: timeout)
            guard response.status.commandStatus == .processed else { return nil }
            return GemaltoFirmwareFeatures(bytes: response.payload)
        } catch .deviceGone {
            throw .deviceGone
        } catch {
            return nil
        }
    }

    /// ICCD tokens get power-off, automatic power-on, power-off at open, as libccid does.
    private func cycleICCDPower(_ state: inout ReaderState) throws(CCIDError) {
        let steps: [CCIDCommand.Body] = [.iccPowerOff, .iccPowerOn(.automatic), .iccPowerOff]
        for step in steps {
            do {
                _ = try transport.exchange(step, slot: 0, state: &state, timeout: CCIDTimeouts.defaultRead)
            } catch .deviceGone {
                throw .deviceGone
            } catch {
                let messageType = CCIDCommand(step, slot: 0, sequence: 0).messageType
                warn("\(messageType) at open failed: \(error)")
            }
        }
    }
}
