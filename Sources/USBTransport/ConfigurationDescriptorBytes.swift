import CLibUSB

/// Rebuilds the raw bytes of a configuration descriptor set from libusb's parsed form, in
/// the layout `USBDeviceInfo.configurationDescriptor` documents.
///
/// Order: the 9-byte configuration descriptor and its `extra` bytes (descriptors libusb
/// did not parse, such as interface associations), then for every interface and
/// alternate setting the interface descriptor, its `extra` bytes (class-specific
/// descriptors, the CCID descriptor among them), and its endpoint descriptors each
/// followed by their own `extra`. `wTotalLength` is set to the length of the result.
func configurationDescriptorBytes(_ config: UnsafePointer<libusb_config_descriptor>) -> [UInt8] {
    let configuration = config.pointee
    var bytes: [UInt8] = [
        configuration.bLength, configuration.bDescriptorType, 0, 0,
        configuration.bNumInterfaces, configuration.bConfigurationValue,
        configuration.iConfiguration, configuration.bmAttributes, configuration.MaxPower,
    ]
    appendExtra(configuration.extra, length: configuration.extra_length, to: &bytes)

    for interfaceIndex in 0..<Int(configuration.bNumInterfaces) {
        guard let interfaces = configuration.interface else { break }
        let interface = interfaces[interfaceIndex]
        for settingIndex in 0..<Int(max(interface.num_altsetting, 0)) {
            guard let settings = interface.altsetting else { break }
            appendInterface(settings[settingIndex], to: &bytes)
        }
    }

    let total = UInt16(truncatingIfNeeded: bytes.count)
    bytes[2] = UInt8(total & 0xFF)
    bytes[3] = UInt8(total >> 8)
    return bytes
}

private func appendInterface(_ setting: libusb_interface_descriptor, to bytes: inout [UInt8]) {
    bytes += [
        setting.bLength, setting.bDescriptorType, setting.bInterfaceNumber, setting.bAlternateSetting,
        setting.bNumEndpoints, setting.bInterfaceClass, setting.bInterfaceSubClass,
        setting.bInterfaceProtocol, setting.iInterface,
    ]
    appendExtra(setting.extra, length: setting.extra_length, to: &bytes)

    guard let endpoints = setting.endpoint else { return }
    for endpointIndex in 0..<Int(setting.bNumEndpoints) {
        appendEndpoint(endpoints[endpointIndex], to: &bytes)
    }
}

private func appendEndpoint(_ endpoint: libusb_endpoint_descriptor, to bytes: inout [UInt8]) {
    bytes += [
        endpoint.bLength, endpoint.bDescriptorType, endpoint.bEndpointAddress, endpoint.bmAttributes,
        UInt8(endpoint.wMaxPacketSize & 0xFF), UInt8(endpoint.wMaxPacketSize >> 8), endpoint.bInterval,
    ]
    // Audio-class endpoints carry two more fields (bLength 9).
    if endpoint.bLength >= 9 {
        bytes += [endpoint.bRefresh, endpoint.bSynchAddress]
    }
    appendExtra(endpoint.extra, length: endpoint.extra_length, to: &bytes)
}

private func appendExtra(_ extra: UnsafePointer<UInt8>?, length: Int32, to bytes: inout [UInt8]) {
    guard let extra, length > 0 else { return }
    bytes += UnsafeBufferPointer(start: extra, count: Int(length))
}
