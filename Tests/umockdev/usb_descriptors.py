"""USB descriptors of the emulated devices: CCID readers and the root hub they hang off.

The vendor and product IDs are arbitrary test values, not registered products.
"""

import struct

from ccid_reader import class_descriptor

VENDOR_ID = 0x1209
PRODUCT_IDS = {"tpdu": 0x7301, "short": 0x7302, "extended": 0x7303}
DEVICE_RELEASE = 0x0100

BULK_OUT_ENDPOINT = 0x01
BULK_IN_ENDPOINT = 0x82
INTERRUPT_IN_ENDPOINT = 0x83
BULK_MAX_PACKET = 64
INTERRUPT_MAX_PACKET = 8

MANUFACTURER_INDEX = 1
PRODUCT_INDEX = 2
SERIAL_INDEX = 3
LANGUAGE_ID_US_ENGLISH = 0x0409

PRODUCT_NAMES = {
    "tpdu": "CCID TPDU Reader",
    "short": "CCID Short APDU Reader",
    "extended": "CCID Extended APDU Reader",
}
MANUFACTURER = "umockdev"


def device_descriptor(vendor_id, product_id, device_class=0, max_packet=64,
                      release=DEVICE_RELEASE, strings=True):
    return struct.pack(
        "<BBHBBBBHHHBBBB",
        18, 0x01, 0x0200,               # bLength, DEVICE, bcdUSB 2.00
        device_class, 0, 0, max_packet,
        vendor_id, product_id, release,
        MANUFACTURER_INDEX if strings else 0,
        PRODUCT_INDEX if strings else 0,
        SERIAL_INDEX if strings else 0,
        1,                              # bNumConfigurations
    )


def endpoint_descriptor(address, attributes, max_packet, interval):
    return struct.pack("<BBBBHB", 7, 0x05, address, attributes, max_packet, interval)


def configuration_descriptor(body, interface_count, attributes=0x80, max_power=50):
    total = 9 + len(body)
    return struct.pack("<BBHBBBBB", 9, 0x02, total, interface_count, 1, 0,
                       attributes, max_power) + body


def reader_descriptors(mode):
    """Device descriptor followed by the configuration descriptor, as the Linux sysfs
    `descriptors` attribute presents them."""
    interface = struct.pack("<BBBBBBBBB", 9, 0x04, 0, 0, 3, 0x0B, 0, 0, 0)
    endpoints = (endpoint_descriptor(BULK_OUT_ENDPOINT, 0x02, BULK_MAX_PACKET, 0)
                 + endpoint_descriptor(BULK_IN_ENDPOINT, 0x02, BULK_MAX_PACKET, 0)
                 + endpoint_descriptor(INTERRUPT_IN_ENDPOINT, 0x03, INTERRUPT_MAX_PACKET, 24))
    body = interface + class_descriptor(mode) + endpoints
    return (device_descriptor(VENDOR_ID, PRODUCT_IDS[mode])
            + configuration_descriptor(body, interface_count=1))


def root_hub_descriptors():
    """A USB 2.0 root hub (Linux Foundation 1D6B:0002) with its status-change endpoint."""
    interface = struct.pack("<BBBBBBBBB", 9, 0x04, 0, 0, 1, 0x09, 0, 0, 0)
    endpoint = endpoint_descriptor(0x81, 0x03, 4, 12)
    return (device_descriptor(0x1D6B, 0x0002, device_class=0x09, release=0x0606, strings=False)
            + configuration_descriptor(interface + endpoint, interface_count=1, attributes=0xE0, max_power=0))


def string_descriptor(text):
    encoded = text.encode("utf-16-le")
    return bytes([2 + len(encoded), 0x03]) + encoded


def language_descriptor():
    return struct.pack("<BBH", 4, 0x03, LANGUAGE_ID_US_ENGLISH)
