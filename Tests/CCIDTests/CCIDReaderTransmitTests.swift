import PCSCTypes
import Testing
import USBTransport

@testable import CCID

/// Connects a `T1CardSimulator` to a TPDU reader's XfrBlocks. A block starting with 0xFF is
/// the PPS, which the card echoes.
func attachT1Card(_ script: ScriptedReader, card: T1CardSimulator) {
    script.xfrBlock = { command, data, _ in
        if data.first == 0xFF {
            return [.data(ScriptedReader.dataBlock(command, data))]
        }
        return [.data(ScriptedReader.dataBlock(command, card.receive(data)))]
    }
}

@Suite struct CCIDReaderProtocolTests {
    @Test func t1OnTPDUReaderSendsPPSSetParametersAndIFSD() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let card = T1CardSimulator(ifsc: 16, respond: { _ in [0x90, 0x00] })
        attachT1Card(script, card: card)
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        let selected = try reader.setProtocol(slot: 0, protocols: .any)

        #expect(selected == .t1)
        #expect(try reader.selectedProtocol(slot: 0) == .t1)
        let bodies = device.commands.map(\.body)
        #expect(bodies == [
            .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: [0xFF, 0x11, 0x18, 0xF6]),
            .setParameters(.t1(T1Parameters(
                findexDindex: 0x18, checksumAndConvention: 0x10, guardTime: 0, waitingIntegers: 0x45,
                clockStop: 0, ifsc: 0x10, nad: 0))),
            .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: [0x00, 0xC1, 0x01, 0xFE, 0x3E]),
        ])
        #expect(card.ifsd == 254)
        #expect(try reader.attribute(slot: 0, id: .currentIFSC) == [16, 0, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .currentIFSD) == [254, 0, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .currentProtocolType) == [2, 0, 0, 0])
    }

    @Test func t0CardOnTPDUReaderNeedsNoPPS() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures), atr: TestReaders.t0ATR)
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        #expect(try reader.setProtocol(slot: 0, protocols: .any) == .t0)
        #expect(device.commands.map(\.body) == [
            .setParameters(.t0(T0Parameters(findexDindex: 0x11, convention: 0, guardTime: 0, waitingInteger: 10, clockStop: 0)))
        ])
        #expect(throws: CCIDError.protocolNotSupported(.t1)) { try reader.setProtocol(slot: 0, protocols: .t1) }
    }

    @Test func rejectedPPSFails() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        // The response names T=0 instead of T=1.
        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [0xFF, 0x10, 0x18, 0xF7]))] }
        _ = try reader.powerOn(slot: 0)
        #expect(throws: CCIDError.ppsFailed) { try reader.setProtocol(slot: 0, protocols: .t1) }
    }

    @Test func ppsWithoutPPS1EchoFallsBackToDefaultSpeed() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let card = T1CardSimulator(ifsc: 16, respond: { _ in [0x90, 0x00] })
        script.xfrBlock = { command, data, _ in
            if data.first == 0xFF { return [.data(ScriptedReader.dataBlock(command, [0xFF, 0x01, 0xFE]))] }
            return [.data(ScriptedReader.dataBlock(command, card.receive(data)))]
        }
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        #expect(try reader.setProtocol(slot: 0, protocols: .t1) == .t1)
        guard case .setParameters(.t1(let parameters)) = device.commands[1].body else {
            Issue.record("expected SetParameters, got \(device.commands[1])")
            return
        }
        #expect(parameters.findexDindex == 0x11)
    }

    @Test func automaticPPSStillSendsSetParameters() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)
        device.clearLog()
        #expect(try reader.setProtocol(slot: 0, protocols: .any) == .t1)
        #expect(device.commands.map(\.body) == [
            .setParameters(.t1(T1Parameters(
                findexDindex: 0x18, checksumAndConvention: 0x10, guardTime: 0, waitingIntegers: 0x45,
                clockStop: 0, ifsc: 0x10, nad: 0)))
        ])
    }

    @Test func automaticNegotiationSendsNothing() throws {
        let features = CCIDFeatures(rawValue: TestReaders.shortAPDUFeatures.rawValue | 0x40)
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: features))
        _ = try reader.powerOn(slot: 0)
        device.clearLog()
        #expect(try reader.setProtocol(slot: 0, protocols: .any) == .t1)
        #expect(device.commands.isEmpty)
    }

    @Test func setParametersErrorsFollowLibccid() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures), atr: TestReaders.t0ATR)
        _ = try reader.powerOn(slot: 0)

        script.setParametersError = SlotError(rawValue: 0x0A)
        #expect(try reader.setProtocol(slot: 0, protocols: .t0) == .t0)

        script.setParametersError = .commandNotSupported
        #expect(throws: CCIDError.notSupported("Acme Reader (1234:5678) does not support SetParameters")) {
            try reader.setProtocol(slot: 0, protocols: .t0)
        }

        script.setParametersError = .hardwareError
        #expect(throws: CCIDError.communicationError(.commandFailed(.setParameters, .hardwareError))) {
            try reader.setProtocol(slot: 0, protocols: .t0)
        }
    }

    @Test func setProtocolNeedsPoweredCard() throws {
        let (_, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        #expect(throws: CCIDError.cardNotPowered) { try reader.setProtocol(slot: 0, protocols: .any) }
    }
}

@Suite struct CCIDReaderTransmitTests {
    @Test func t1TransmitChainsBothWays() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let response = (0..<400).map { UInt8(truncatingIfNeeded: $0) } + [0x90, 0x00]
        let card = T1CardSimulator(ifsc: 16, respond: { _ in response })
        attachT1Card(script, card: card)
        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .t1)
        device.clearLog()

        let apdu = [0x80, 0xE2, 0x00, 0x00, 0x24] + [UInt8](repeating: 0xAB, count: 36)
        let answer = try reader.transmit(slot: 0, apdu: apdu)

        #expect(answer == response)
        #expect(card.receivedCommands.last == apdu)
        let sentInformation = card.hostBlocks.compactMap { block -> Int? in
            if case .information = block.kind { return block.information.count }
            return nil
        }
        #expect(sentInformation == [16, 16, 9])
        #expect(device.commands.allSatisfy { $0.messageType == .xfrBlock })
    }

    @Test func t1WaitingTimeExtensionReachesReader() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let card = T1CardSimulator(ifsc: 16, respond: { _ in [0x90, 0x00] })
        attachT1Card(script, card: card)
        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .t1)
        card.faults = [.waitingTimeExtension(3)]
        device.clearLog()

        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0x46, 0x00, 0x00]) == [0x90, 0x00])
        let bwis = device.commands.compactMap { command -> UInt8? in
            if case .xfrBlock(let bwi, _, _) = command.body { return bwi }
            return nil
        }
        #expect(bwis == [0, 3])
    }

    @Test func t1ParityErrorIsRetried() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let card = T1CardSimulator(ifsc: 16, respond: { _ in [0x62, 0x83] })
        attachT1Card(script, card: card)
        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .t1)

        var failedOnce = false
        script.xfrBlock = { command, data, _ in
            if !failedOnce {
                failedOnce = true
                _ = card.receive(data)
                return [.data(ScriptedReader.dataBlock(command, [], failed: .transferParityError))]
            }
            return [.data(ScriptedReader.dataBlock(command, card.receive(data)))]
        }
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0xA4, 0x04, 0x00]) == [0x62, 0x83])
    }

    @Test func t0TPDUPassesStatusWordsThrough() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures), atr: TestReaders.t0ATR)
        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [0x61, 0x10]))] }
        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .t0)
        device.clearLog()

        let tpdu: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]
        #expect(try reader.transmit(slot: 0, apdu: tpdu) == [0x61, 0x10])
        #expect(device.commands.map(\.body) == [.xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: tpdu)])
    }

    @Test func shortAPDUGoesInOneMessage() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        script.xfrBlock = { command, data, _ in [.data(ScriptedReader.dataBlock(command, Array(data.suffix(3)) + [0x90, 0x00]))] }
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        let apdu = [0x00, 0xD6, 0x00, 0x00, 0xFF] + [UInt8](repeating: 0x11, count: 255) + [0x00]
        #expect(try reader.transmit(slot: 0, apdu: apdu) == [0x11, 0x11, 0x00, 0x90, 0x00])
        #expect(device.commands.count == 1)

        let tooLong = [UInt8](repeating: 0, count: 262)
        #expect(throws: CCIDError.invalidParameter("command of 262 bytes exceeds the 261 bytes one message to this reader can carry")) {
            try reader.transmit(slot: 0, apdu: tooLong)
        }
    }

    @Test func scm263ReaderMayExceedDeclaredLength() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.shortAPDUFeatures, maxMessageLength: 263)
        let (device, _, reader) = try TestReaders.open(descriptor)
        _ = try reader.powerOn(slot: 0)
        device.clearLog()
        _ = try reader.transmit(slot: 0, apdu: [UInt8](repeating: 0, count: 261))
        #expect(device.commands.count == 1)
    }

    @Test func extendedAPDUChainsBothWays() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.extendedAPDUFeatures, maxMessageLength: 64)
        let (device, script, reader) = try TestReaders.open(descriptor)
        let response = (0..<130).map { UInt8(truncatingIfNeeded: $0) }
        var received: [UInt8] = []
        var responseOffset = 0

        script.xfrBlock = { command, data, level in
            switch level {
            case 0x0001, 0x0003:
                received += data
                return [.data(ScriptedReader.dataBlock(command, [], chain: .continueRequest))]
            case 0x0002, 0x0000:
                received += data
                responseOffset = 54
                return [.data(ScriptedReader.dataBlock(command, Array(response[0..<54]), chain: .begins))]
            default:
                let end = min(responseOffset + 54, response.count)
                let chunk = Array(response[responseOffset..<end])
                responseOffset = end
                return [.data(ScriptedReader.dataBlock(command, chunk, chain: end == response.count ? .ends : .continues))]
            }
        }
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        let apdu = (0..<150).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        let answer = try reader.transmit(slot: 0, apdu: apdu)

        #expect(answer == response)
        #expect(received == apdu)
        let levels = device.commands.compactMap { command -> UInt16? in
            if case .xfrBlock(_, let level, _) = command.body { return level }
            return nil
        }
        #expect(levels == [0x0001, 0x0003, 0x0002, 0x0010, 0x0010])
        let sizes = device.commands.map(\.bytes.count)
        #expect(sizes.allSatisfy { $0 <= 64 })
    }

    @Test func extendedAPDUOverflowReadsWholeChain() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.extendedAPDUFeatures, maxMessageLength: 65_546 + 10)
        let (_, script, reader) = try TestReaders.open(descriptor)
        var blocksSent = 0
        script.xfrBlock = { command, _, _ in
            blocksSent += 1
            let chain: ChainParameter = blocksSent == 1 ? .begins : (blocksSent == 3 ? .ends : .continues)
            return [.data(ScriptedReader.dataBlock(command, [UInt8](repeating: 0x42, count: 30_000), chain: chain))]
        }
        _ = try reader.powerOn(slot: 0)
        #expect(throws: CCIDError.insufficientBuffer(needed: 90_000)) { try reader.transmit(slot: 0, apdu: [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]) }
        #expect(blocksSent == 3)

        // The reader stays in sync: the next command works.
        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [0x90, 0x00]))] }
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) == [0x90, 0x00])
    }

    @Test func timeExtensionIsHonouredOnEveryCommand() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        script.xfrBlock = { command, _, _ in
            [
                .data(ScriptedReader.timeExtension(command, multiplier: 2)),
                .data(ScriptedReader.timeExtension(command, multiplier: 0)),
                .data(ScriptedReader.dataBlock(command, [0x90, 0x00])),
            ]
        }
        _ = try reader.powerOn(slot: 0)
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) == [0x90, 0x00])

        script.silent = [.getSlotStatus]
        let device = try #require(reader.device as? FakeUSBDevice)
        device.setResponder { command in
            [.data(ScriptedReader.timeExtension(command, multiplier: 1)), .data(ScriptedReader.slotStatus(command, .presentActive))]
        }
        #expect(try reader.slotStatus(slot: 0) == .presentActive)
    }

    @Test func staleFramesAreDiscarded() throws {
        let warnings = WarningLog()
        let (device, script, reader) = try TestReaders.open(
            TestReaders.descriptor(features: TestReaders.shortAPDUFeatures, slots: 2),
            options: CCIDReaderOptions(warningHandler: warnings.handler))
        _ = try reader.powerOn(slot: 0)

        script.xfrBlock = { command, _, _ in
            let staleSequence = CCIDCommand(command.body, slot: command.slot, sequence: command.sequence &- 1)
            let otherSlot = CCIDCommand(command.body, slot: 1, sequence: command.sequence)
            return [
                .data(ScriptedReader.dataBlock(staleSequence, [0x6F, 0x00])),
                .data(ScriptedReader.dataBlock(otherSlot, [0x6F, 0x01])),
                .data(ScriptedReader.dataBlock(command, [0x90, 0x00])),
            ]
        }
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) == [0x90, 0x00])
        #expect(warnings.all.count == 2)

        script.xfrBlock = { command, _, _ in
            let stale = CCIDCommand(command.body, slot: command.slot, sequence: command.sequence &+ 7)
            return Array(repeating: .data(ScriptedReader.dataBlock(stale, [0x6F, 0x00])), count: 12)
        }
        #expect(throws: CCIDError.communicationError(.tooManyStaleFrames(command: .xfrBlock))) {
            try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00])
        }
        _ = device
    }

    @Test func malformedResponsesAreCommunicationErrors() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)

        script.xfrBlock = { command, _, _ in
            var bytes = ScriptedReader.dataBlock(command, [0x90, 0x00])
            bytes[1] = 5
            return [.data(bytes)]
        }
        #expect(throws: CCIDError.communicationError(.invalidResponse(.lengthMismatch(declared: 5, actual: 2), command: .xfrBlock))) {
            try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00])
        }

        script.xfrBlock = { _, _, _ in [.data([0x80, 0x00, 0x00])] }
        #expect(throws: CCIDError.communicationError(.invalidResponse(.tooShort(3), command: .xfrBlock))) {
            try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00])
        }

        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.slotStatus(command, .presentActive))] }
        #expect(throws: CCIDError.communicationError(.unexpectedResponse(.slotStatus, command: .xfrBlock))) {
            try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00])
        }

        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [], status: .presentActive, failed: .iccMute))] }
        #expect(throws: CCIDError.cardMute) { try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }

        script.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [], status: .absent, failed: .iccMute))] }
        #expect(throws: CCIDError.cardAbsent) { try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }
    }

    @Test func deviceGoneMidTransfer() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)
        script.xfrBlock = { _, _, _ in [.unplug] }

        #expect(throws: CCIDError.deviceGone) { try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }
        #expect(throws: CCIDError.deviceGone) { try reader.slotStatus(slot: 0) }
        #expect(throws: CCIDError.deviceGone) { try reader.waitForSlotChange(timeoutMilliseconds: 10) }
    }

    @Test func timeoutRunsAbortSequence() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)
        script.silent = [.xfrBlock]
        device.clearLog()

        #expect(throws: CCIDError.timeout(.xfrBlock)) { try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }

        let commands = device.commands
        #expect(commands.map(\.messageType) == [.xfrBlock, .abort])
        #expect(commands[1].sequence == commands[0].sequence)
        #expect(device.controlRequests == [
            ControlRequest(requestType: 0x21, request: 0x01, value: UInt16(commands[0].sequence) << 8, index: 0, data: [], length: 0)
        ])
        #expect(script.abortsAnswered == 1)

        script.silent = []
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) == [0x90, 0x00])
    }

    @Test func timeoutDrainsWhenAbortIsNotSupported() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)
        script.silent = [.xfrBlock]
        device.setControlResponder { _ in .failure(.pipe) }
        device.clearLog()

        #expect(throws: CCIDError.timeout(.xfrBlock)) { try reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }
        #expect(device.commands.map(\.messageType) == [.xfrBlock])
    }

    @Test func concurrentTransmitAndPollingDoNotInterleave() async throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<300 { _ = try? reader.transmit(slot: 0, apdu: [0x00, 0x00, 0x00, 0x00]) }
            }
            group.addTask {
                for _ in 0..<300 { _ = try? reader.slotStatus(slot: 0) }
            }
            group.addTask {
                for _ in 0..<300 { _ = try? reader.waitForSlotChange(timeoutMilliseconds: 1) }
            }
        }

        #expect(device.state.withLock { $0.interleavedWrites } == 0)
        #expect(device.commands.count == 600)
        #expect(Set(device.commands.map(\.sequence)).count == 256)
    }
}
