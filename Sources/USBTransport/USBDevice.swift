/// Errors of USB transfers, typed from libusb's return codes.
public enum USBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The transfer did not complete in time. `LIBUSB_ERROR_TIMEOUT`.
    case timeout
    /// The device was unplugged or is otherwise gone. `LIBUSB_ERROR_NO_DEVICE`.
    case noDevice
    /// The endpoint halted (stall). `LIBUSB_ERROR_PIPE`.
    case pipe
    /// The device sent more data than requested. `LIBUSB_ERROR_OVERFLOW`.
    case overflow
    /// The interface is claimed by another program or driver. `LIBUSB_ERROR_BUSY`.
    case busy
    /// No permission to open the device. `LIBUSB_ERROR_ACCESS`.
    case accessDenied
    /// The transfer was cancelled, for example because the reader is being closed.
    case cancelled
    /// Any other failure, with libusb's code and text.
    case other(code: Int32, message: String)

    public var description: String {
        switch self {
        case .timeout: "USB transfer timed out"
        case .noDevice: "USB device is gone"
        case .pipe: "USB endpoint stalled"
        case .overflow: "USB device sent more data than requested"
        case .busy: "USB interface is busy (claimed by another program or kernel driver)"
        case .accessDenied: "access to the USB device was denied"
        case .cancelled: "USB transfer was cancelled"
        case .other(let code, let message): "USB error \(code): \(message)"
        }
    }
}

/// What is known about a USB device before any transfer: its device descriptor, position on
/// the bus and active configuration.
public struct USBDeviceInfo: Sendable, Hashable {
    public var vendorID: UInt16
    public var productID: UInt16
    /// Device release number, BCD (`bcdDevice`).
    public var deviceRelease: UInt16
    public var busNumber: UInt8
    public var deviceAddress: UInt8
    /// String descriptor indexes of the device descriptor (0 = none).
    public var manufacturerStringIndex: UInt8
    public var productStringIndex: UInt8
    public var serialNumberStringIndex: UInt8
    /// The active configuration descriptor with everything that follows it, in the order
    /// USB defines: the configuration descriptor, then per interface alternate setting the
    /// interface descriptor, its class-specific descriptors, and its endpoint descriptors
    /// each followed by their own class-specific bytes.
    public var configurationDescriptor: [UInt8]

    public init(
        vendorID: UInt16, productID: UInt16, deviceRelease: UInt16,
        busNumber: UInt8, deviceAddress: UInt8,
        manufacturerStringIndex: UInt8, productStringIndex: UInt8, serialNumberStringIndex: UInt8,
        configurationDescriptor: [UInt8]
    ) {
        self.vendorID = vendorID
        self.productID = productID
        self.deviceRelease = deviceRelease
        self.busNumber = busNumber
        self.deviceAddress = deviceAddress
        self.manufacturerStringIndex = manufacturerStringIndex
        self.productStringIndex = productStringIndex
        self.serialNumberStringIndex = serialNumberStringIndex
        self.configurationDescriptor = configurationDescriptor
    }
}

/// An opened USB device: the interface the CCID driver uses for every transfer.
///
/// Real devices go through libusb; the virtual reader implements the same protocol in
/// memory, so both run through the same driver code. Implementations must allow calls
/// from several threads at once (a bulk exchange on one thread while another thread
/// waits on the interrupt endpoint). Timeouts are in milliseconds; 0 means no timeout.
public protocol USBDevice: AnyObject, Sendable {
    var info: USBDeviceInfo { get }

    /// Claims an interface for exclusive use by this process.
    func claimInterface(_ interfaceNumber: UInt8) throws(USBError)

    /// Releases an interface claimed earlier. Errors are ignored.
    func releaseInterface(_ interfaceNumber: UInt8)

    /// Reads a string descriptor and returns it as ASCII, with other characters replaced.
    func string(at index: UInt8) throws(USBError) -> String

    /// Sends `data` to a bulk OUT endpoint and returns the number of bytes written.
    func bulkWrite(endpoint: UInt8, data: [UInt8], timeoutMilliseconds: UInt32) throws(USBError) -> Int

    /// Reads up to `maxLength` bytes from a bulk IN endpoint.
    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8]

    /// Reads up to `maxLength` bytes from an interrupt IN endpoint.
    func interruptRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8]

    /// Performs a control transfer. For a device-to-host request (bit 7 of `requestType`
    /// set) reads up to `length` bytes and returns them; otherwise sends `data` and returns
    /// an empty array.
    func controlTransfer(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16,
        data: [UInt8], length: Int, timeoutMilliseconds: UInt32
    ) throws(USBError) -> [UInt8]

    /// Closes the device; later transfers fail with `.noDevice`, and transfers that are
    /// waiting return `.cancelled` or `.noDevice` as soon as the implementation can.
    func close()
}
