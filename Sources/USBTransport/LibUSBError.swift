import CLibUSB

extension USBError {
    /// Maps a negative libusb return code (`enum libusb_error`) to a typed error.
    init(libusbCode code: Int32) {
        switch code {
        case LIBUSB_ERROR_TIMEOUT.rawValue: self = .timeout
        case LIBUSB_ERROR_NO_DEVICE.rawValue: self = .noDevice
        case LIBUSB_ERROR_PIPE.rawValue: self = .pipe
        case LIBUSB_ERROR_OVERFLOW.rawValue: self = .overflow
        case LIBUSB_ERROR_BUSY.rawValue: self = .busy
        case LIBUSB_ERROR_ACCESS.rawValue: self = .accessDenied
        default: self = .other(code: code, message: String(cString: libusb_strerror(code)))
        }
    }

    /// Maps the status of a finished asynchronous transfer; nil for
    /// `LIBUSB_TRANSFER_COMPLETED`.
    init?(transferStatus status: libusb_transfer_status) {
        switch status {
        case LIBUSB_TRANSFER_COMPLETED: return nil
        case LIBUSB_TRANSFER_TIMED_OUT: self = .timeout
        case LIBUSB_TRANSFER_CANCELLED: self = .cancelled
        case LIBUSB_TRANSFER_STALL: self = .pipe
        case LIBUSB_TRANSFER_NO_DEVICE: self = .noDevice
        case LIBUSB_TRANSFER_OVERFLOW: self = .overflow
        default: self = .other(code: LIBUSB_ERROR_IO.rawValue, message: "transfer failed (libusb transfer status \(status.rawValue))")
        }
    }
}

/// Returns `code` when it is zero or positive (a count), and throws the mapped error for
/// a negative libusb error code.
@discardableResult
func checkLibUSB(_ code: Int32) throws(USBError) -> Int32 {
    if code < 0 {
        throw USBError(libusbCode: code)
    }
    return code
}
