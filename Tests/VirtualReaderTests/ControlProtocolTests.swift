import Testing
import VirtualReader

@Suite struct ControlProtocolTests {
    @Test(arguments: [
        ("insert 0", ControlRequest.insert(VirtualSlotAddress(reader: 0, slot: 0))),
        ("insert 3.2", .insert(VirtualSlotAddress(reader: 3, slot: 2))),
        ("remove 1", .remove(VirtualSlotAddress(reader: 1))),
        ("  remove\t1.15 \r\n", .remove(VirtualSlotAddress(reader: 1, slot: 15))),
        ("attach", .attach(AttachOptions())),
        ("attach short-apdu", .attach(AttachOptions(mode: .shortAPDU))),
        ("attach slots=4 interrupt=no extended-apdu",
         .attach(AttachOptions(mode: .extendedAPDU, slotCount: 4, hasInterruptEndpoint: false))),
        ("attach interrupt=yes", .attach(AttachOptions(hasInterruptEndpoint: true))),
        ("detach 7", .detach(reader: 7)),
        ("fault 0 mute", .fault(VirtualSlotAddress(reader: 0), .mute(count: nil))),
        ("fault 0.1 mute 3", .fault(VirtualSlotAddress(reader: 0, slot: 1), .mute(count: 3))),
        ("fault 2 time-extension", .fault(VirtualSlotAddress(reader: 2), .timeExtension(frames: 1))),
        ("fault 2 time-extension 5", .fault(VirtualSlotAddress(reader: 2), .timeExtension(frames: 5))),
        ("fault 0 stale-seq 11", .fault(VirtualSlotAddress(reader: 0), .staleSequence(frames: 11))),
        ("fault 0 gone-mid-transfer", .fault(VirtualSlotAddress(reader: 0), .goneMidTransfer)),
        ("fault 4.3 clear", .clearFaults(VirtualSlotAddress(reader: 4, slot: 3))),
        ("list", .list),
    ])
    func parsesRequest(line: String, expected: ControlRequest) throws {
        #expect(try ControlRequest(parsing: line) == expected)
    }

    @Test(arguments: [
        "insert 0.0", "remove 3.2", "attach", "attach tpdu-t0 slots=2 interrupt=no", "detach 5",
        "fault 0.0 mute", "fault 0.1 mute 2", "fault 1.0 time-extension 3", "fault 1.0 stale-seq 1",
        "fault 1.0 gone-mid-transfer", "fault 1.0 clear", "list",
    ])
    func formatRoundTrips(line: String) throws {
        #expect(try ControlRequest(parsing: line).description == line)
    }

    @Test(arguments: [
        ("", "empty request"),
        ("plug 0", "unknown request 'plug'"),
        ("Insert 0", "unknown request 'Insert'"),
        ("insert", "insert needs a slot address"),
        ("insert x", "invalid reader number 'x': expected"),
        ("insert 1000", "invalid reader number '1000': expected"),
        ("insert 0.16", "invalid slot number '16' in '0.16'"),
        ("insert 0.", "invalid slot number '' in '0.'"),
        ("insert -1", "invalid reader number '-1'"),
        ("insert 0.1.2", "invalid slot address '0.1.2'"),
        ("insert 0 1", "unexpected '1' after insert"),
        ("list all", "unexpected 'all' after list"),
        ("detach", "detach needs a reader number"),
        ("detach 1.0", "detach takes a reader number without slot"),
        ("attach t1", "unknown attach option 't1'"),
        ("attach slots=0", "invalid slot count '0'"),
        ("attach slots=17", "invalid slot count '17'"),
        ("attach slots=two", "invalid slot count 'two'"),
        ("attach interrupt=maybe", "invalid value in 'interrupt=maybe'"),
        ("attach tpdu-t0 short-apdu", "attach: mode given twice"),
        ("attach slots=1 slots=2", "attach: slots= given twice"),
        ("fault 0", "fault needs a fault name after 0.0"),
        ("fault 0 melt", "unknown fault 'melt'"),
        ("fault 0 mute 0", "invalid count of fault mute '0'"),
        ("fault 0 mute 256", "invalid count of fault mute '256'"),
        ("fault 0 clear 2", "fault clear takes no count"),
        ("fault 0 gone-mid-transfer 1", "fault gone-mid-transfer takes no count"),
        ("fault 0 mute 1 2", "unexpected '2' after fault"),
    ])
    func rejectsRequest(line: String, messageStart: String) {
        do {
            let request = try ControlRequest(parsing: line)
            Issue.record("'\(line)' parsed as \(request)")
        } catch {
            #expect(error.message.hasPrefix(messageStart), "\(error.message)")
        }
    }

    @Test func errorMessagesSayWhatToDo() {
        #expect(throws: ControlProtocolError(
            "invalid slot number '16' in '0.16': expected a decimal number 0…15, for example 'insert 0.1'")) {
            try ControlRequest(parsing: "insert 0.16")
        }
        #expect(throws: ControlProtocolError(
            "unknown fault 'melt': expected one of mute, time-extension, stale-seq, gone-mid-transfer, clear")) {
            try ControlRequest(parsing: "fault 0 melt")
        }
    }

    @Test func formatsReplies() {
        #expect(ControlReply.ok.description == "ok")
        #expect(ControlReply.attached(reader: 3).description == "ok 3")
        let listing = ControlReply.listing([
            SlotListing(address: VirtualSlotAddress(reader: 0, slot: 0), state: .powered),
            SlotListing(address: VirtualSlotAddress(reader: 0, slot: 1), state: .absent),
        ])
        #expect(listing.description == "ok 0.0=powered 0.1=absent")
        #expect(ControlReply.error("slot 3 does not exist\nreally").description == "error slot 3 does not exist really")
    }

    @Test func parsesReplies() throws {
        #expect(try ControlReply(parsing: "ok", for: .list) == .listing([]))
        #expect(try ControlReply(parsing: "ok 1.0=present", for: .list)
            == .listing([SlotListing(address: VirtualSlotAddress(reader: 1), state: .present)]))
        #expect(try ControlReply(parsing: "ok 12\n", for: .attach(AttachOptions())) == .attached(reader: 12))
        #expect(try ControlReply(parsing: "ok", for: .insert(VirtualSlotAddress(reader: 0))) == .ok)
        #expect(try ControlReply(parsing: "error no such reader 4", for: .detach(reader: 4)) == .error("no such reader 4"))
        #expect(throws: ControlProtocolError.self) { try ControlReply(parsing: "fine", for: .list) }
        #expect(throws: ControlProtocolError.self) { try ControlReply(parsing: "ok 1.0=lost", for: .list) }
        #expect(throws: ControlProtocolError.self) { try ControlReply(parsing: "ok 3", for: .list) }
        #expect(throws: ControlProtocolError.self) { try ControlReply(parsing: "ok 3", for: .remove(VirtualSlotAddress(reader: 0))) }
        #expect(throws: ControlProtocolError.self) { try ControlReply(parsing: "error", for: .list) }
    }

    @Test func attachOptionsDefaults() {
        let configuration = AttachOptions().configuration(serialNumber: "VC0001", deviceAddress: 2)
        #expect(configuration.mode == .tpduT1)
        #expect(configuration.slotCount == 1)
        #expect(configuration.hasInterruptEndpoint)
        #expect(configuration.cardsInserted == [0])
        #expect(configuration.serialNumber == "VC0001")
        #expect(configuration.deviceAddress == 2)

        let multi = AttachOptions(mode: .tpduT0, slotCount: 3, hasInterruptEndpoint: false).configuration(serialNumber: "X")
        #expect(multi.cardsInserted == [0, 1, 2])
        #expect(!multi.hasInterruptEndpoint)
    }
}
