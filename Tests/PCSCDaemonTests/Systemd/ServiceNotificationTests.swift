import Glibc
import Testing

@testable import PCSCDaemon

@Suite struct ServiceNotificationTests {
    @Test func assignments() {
        #expect(ServiceNotification.ready.assignment == "READY=1")
        #expect(ServiceNotification.stopping.assignment == "STOPPING=1")
        #expect(ServiceNotification.status("2 readers").assignment == "STATUS=2 readers")
        #expect(ServiceNotification.status("line one\nline two").assignment == "STATUS=line one line two")
    }

    @Test func unsetNotifySocketSendsNothing() throws {
        let sent = try ServiceManagerNotifier.notify([.ready], environment: [String: String]())
        #expect(!sent)
    }

    @Test func readyReachesPathSocket() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["notify"]) }
        let receiver = DatagramReceiver(path: directory.file("notify"))
        defer { receiver.close() }
        let environment = ["NOTIFY_SOCKET": directory.file("notify")]

        #expect(try ServiceManagerNotifier.notify([.ready], environment: environment))
        #expect(receiver.receive().map { String(decoding: $0, as: UTF8.self) } == "READY=1")

        #expect(try ServiceManagerNotifier.notify([.stopping], environment: environment))
        #expect(receiver.receive().map { String(decoding: $0, as: UTF8.self) } == "STOPPING=1")
    }

    @Test func severalAssignmentsInOneDatagram() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["notify"]) }
        let receiver = DatagramReceiver(path: directory.file("notify"))
        defer { receiver.close() }

        try ServiceManagerNotifier.notify(
            [.ready, .status("1 reader\nidle")], environment: ["NOTIFY_SOCKET": directory.file("notify")])
        #expect(receiver.receive().map { String(decoding: $0, as: UTF8.self) } == "READY=1\nSTATUS=1 reader idle")
        #expect(receiver.receive(timeoutMilliseconds: 50) == nil, "expected exactly one datagram")
    }

    @Test func abstractSocketAddress() throws {
        let name = uniqueAbstractName("notify")
        let receiver = DatagramReceiver(abstractName: name)
        defer { receiver.close() }

        #expect(try ServiceManagerNotifier.notify([.ready], environment: ["NOTIFY_SOCKET": "@" + name]))
        #expect(receiver.receive().map { String(decoding: $0, as: UTF8.self) } == "READY=1")
    }

    @Test func unboundAbstractNameIsAnError() {
        let value = "@" + uniqueAbstractName("unbound")
        #expect(
            throws: ServiceManagerNotifier.Failure.system(
                SystemCallError(call: "sendto", errno: ECONNREFUSED), address: value)
        ) {
            try ServiceManagerNotifier.notify([.ready], environment: ["NOTIFY_SOCKET": value])
        }
    }

    @Test(arguments: ["", "relative/notify", "notify", "vsock:2:1234", "/" + String(repeating: "x", count: 107)])
    func unsupportedAddress(value: String) {
        #expect(throws: ServiceManagerNotifier.Failure.unsupportedAddress(value)) {
            try ServiceManagerNotifier.notify([.ready], environment: ["NOTIFY_SOCKET": value])
        }
    }

    @Test func longestAddresses() {
        #expect(ServiceManagerNotifier.address(notifySocket: "/" + String(repeating: "x", count: 106)) != nil)
        #expect(ServiceManagerNotifier.address(notifySocket: "@" + String(repeating: "x", count: 107)) != nil)
        #expect(ServiceManagerNotifier.address(notifySocket: "@" + String(repeating: "x", count: 108)) == nil)
    }

    @Test func missingSocketIsAnError() {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: []) }
        let path = directory.file("missing")

        #expect(
            throws: ServiceManagerNotifier.Failure.system(SystemCallError(call: "sendto", errno: ENOENT), address: path)
        ) {
            try ServiceManagerNotifier.notify([.ready], environment: ["NOTIFY_SOCKET": path])
        }
    }
}
