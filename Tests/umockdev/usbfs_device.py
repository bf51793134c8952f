"""usbdevfs ioctl emulation for one plugged-in emulated USB device.

libusb 1.0.26 talks to /dev/bus/usb/BBB/DDD only through ioctls. umockdev's preload
library forwards every ioctl on that node to `UsbfsDevice.do_handle_ioctl` in the harness
process, which handles them the way Linux's usbfs does:

  GET_CAPABILITIES, CLAIMINTERFACE, RELEASEINTERFACE, DISCONNECT_CLAIM, GETDRIVER,
  IOCTL (DISCONNECT/CONNECT), SETINTERFACE, SETCONFIGURATION, CLEAR_HALT, RESETEP, RESET,
  CONNECTINFO, CONNINFO_EX, GET_SPEED, DROP_PRIVILEGES, CONTROL, BULK,
  SUBMITURB, DISCARDURB, REAPURB, REAPURBNDELAY.

Every open file descriptor is a separate client with its own URB queues and claimed
interfaces, as in the kernel. After `unplug()` every pending URB completes with -ENODEV
and every later ioctl fails with ENODEV (reaps first return the completed URBs).

The emulated node is a regular file, so poll() always reports it ready and libusb's event
loop reaps in a busy loop. An empty REAPURBNDELAY is answered at once the first few
times, then held back for 1 to IDLE_REAP_MAX_DELAY_MS milliseconds (less if a URB
completes meanwhile). That keeps both processes' CPU use low, but because umockdev
serialises the ioctls of one file descriptor, another thread's ioctl on the same
descriptor can wait up to that delay.
"""

import errno
import struct
import sys
import traceback

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

import usb_descriptors as usb  # noqa: E402


def _ioc(direction, number, size):
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


_NONE, _WRITE, _READ = 0, 1, 2

USBDEVFS_CONTROL = _ioc(_READ | _WRITE, 0, 24)
USBDEVFS_BULK = _ioc(_READ | _WRITE, 2, 24)
USBDEVFS_RESETEP = _ioc(_READ, 3, 4)
USBDEVFS_SETINTERFACE = _ioc(_READ, 4, 8)
USBDEVFS_SETCONFIGURATION = _ioc(_READ, 5, 4)
USBDEVFS_GETDRIVER = _ioc(_WRITE, 8, 260)
USBDEVFS_SUBMITURB = _ioc(_READ, 10, 56)
USBDEVFS_DISCARDURB = _ioc(_NONE, 11, 0)
USBDEVFS_REAPURB = _ioc(_WRITE, 12, 8)
USBDEVFS_REAPURBNDELAY = _ioc(_WRITE, 13, 8)
USBDEVFS_CLAIMINTERFACE = _ioc(_READ, 15, 4)
USBDEVFS_RELEASEINTERFACE = _ioc(_READ, 16, 4)
USBDEVFS_CONNECTINFO = _ioc(_WRITE, 17, 8)
USBDEVFS_IOCTL = _ioc(_READ | _WRITE, 18, 16)
USBDEVFS_RESET = _ioc(_NONE, 20, 0)
USBDEVFS_CLEAR_HALT = _ioc(_READ, 21, 4)
USBDEVFS_DISCONNECT = _ioc(_NONE, 22, 0)
USBDEVFS_CONNECT = _ioc(_NONE, 23, 0)
USBDEVFS_GET_CAPABILITIES = _ioc(_READ, 26, 4)
USBDEVFS_DISCONNECT_CLAIM = _ioc(_READ, 27, 264)
USBDEVFS_DROP_PRIVILEGES = _ioc(_WRITE, 30, 4)
USBDEVFS_GET_SPEED = _ioc(_NONE, 31, 0)
USBDEVFS_CONNINFO_EX_NUMBER = 32

# Zero-length packets, bulk continuation, no packet size limit, scatter-gather (so libusb
# submits each bulk transfer as one URB) and reaping after disconnect.
CAPABILITIES = 0x01 | 0x02 | 0x04 | 0x08 | 0x10

URB_TYPE_INTERRUPT = 1
URB_TYPE_CONTROL = 2
URB_TYPE_BULK = 3
URB_SIZE = 56
URB_STATUS_OFFSET = 4
URB_BUFFER_OFFSET = 16
URB_ACTUAL_LENGTH_OFFSET = 28
SETUP_PACKET_LENGTH = 8

USB_SPEED_FULL = 2

IMMEDIATE_EMPTY_REAPS = 3
IDLE_REAP_MAX_DELAY_MS = 10


class Urb:
    """One submitted URB: the client's struct and buffer as umockdev mirrors them."""

    def __init__(self, client, address, urb_data, buffer_data, urb_type, endpoint, buffer_length):
        self.client = client
        self.address = address
        self.urb_data = urb_data
        self.buffer_data = buffer_data
        self.type = urb_type
        self.endpoint = endpoint
        self.buffer_length = buffer_length
        self.out_data = b""
        if buffer_data is not None and (urb_type == URB_TYPE_CONTROL or not endpoint & 0x80):
            self.out_data = bytes(buffer_data.retrieve())

    def finish(self, status, actual_length, in_data=b"", in_offset=0):
        self.urb_data.update(URB_STATUS_OFFSET, list(struct.pack("<i", status)))
        self.urb_data.update(URB_ACTUAL_LENGTH_OFFSET, list(struct.pack("<i", actual_length)))
        if in_data and self.buffer_data is not None:
            self.buffer_data.update(in_offset, list(in_data))


class ClientState:
    """What usbfs keeps per open file descriptor."""

    def __init__(self):
        self.pending = []            # submitted URBs not completed yet
        self.completed = []          # completed URBs not reaped yet
        self.parked_reap = None      # (blocking, timer id) of a reap waiting for a URB
        self.empty_reaps = 0
        self.claimed = set()


class UsbfsDevice(UMockdev.IoctlBase):
    """usbfs for one plug-in of an emulated reader.

    `reader` is the ccid_reader.CCIDReader behind the bulk and interrupt endpoints.
    `events` is the harness. It gets `unplug_requested(device, delay_ms)` when an armed
    "unplug during the next transfer" fires and `interrupt_pending(device)` when the host
    submits an interrupt URB, and `port_of(device)` returns the device's port number.
    """

    def __init__(self, reader, descriptors, strings, devnum, events, verbose=False):
        super().__init__()
        self.reader = reader
        self.descriptors = descriptors
        self.device_descriptor = descriptors[:18]
        self.configuration = descriptors[18:]
        self.strings = strings
        self.devnum = devnum
        self.events = events
        self.verbose = verbose

        self.clients = {}
        self.unplugged = False
        self.bulk_out = bytearray()
        self.bulk_in = []                # messages waiting for a bulk-IN URB
        self.notification = None         # NotifySlotChange waiting for an interrupt URB
        self.unplug_on_next_command_ms = None
        self.timers = set()

    def log(self, text):
        if self.verbose:
            print("ccid-harness: dev %03d: %s" % (self.devnum, text), file=sys.stderr, flush=True)

    # Client bookkeeping

    def do_client_connected(self, client):
        self.clients[client] = ClientState()
        client.connect("notify::connected", self._client_disconnected)
        self.log("client connected")

    def _client_disconnected(self, client, _):
        if client.get_property("connected"):
            return
        state = self.clients.pop(client, None)
        if state is not None and state.parked_reap is not None and state.parked_reap[1]:
            GLib.source_remove(state.parked_reap[1])
        self.log("client disconnected")

    def _state(self, client):
        state = self.clients.get(client)
        if state is None:
            state = ClientState()
            self.clients[client] = state
        return state

    def claimed_by_anyone(self):
        return any(state.claimed for state in self.clients.values())

    def interrupt_urbs_pending(self):
        return sum(1 for state in self.clients.values()
                   for urb in state.pending if urb.type == URB_TYPE_INTERRUPT)

    # Dispatch

    def do_handle_ioctl(self, client):
        request = client.get_request()
        state = self._state(client)
        try:
            handled = self._dispatch(client, state, request)
        except Exception:  # noqa: BLE001 - an uncompleted ioctl would hang the client
            print("ccid-harness: dev %03d: ioctl 0x%08x failed in the harness, returning EIO:\n%s"
                  % (self.devnum, request, traceback.format_exc()), file=sys.stderr, flush=True)
            client.complete(-1, errno.EIO)
            return True
        if not handled:
            self.log("ioctl 0x%08x not emulated: ENOTTY" % request)
            client.complete(-1, errno.ENOTTY)
        return True

    def _dispatch(self, client, state, request):
        if request in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
            self._reap(client, state, blocking=request == USBDEVFS_REAPURB)
            return True
        if self.unplugged:
            client.complete(-1, errno.ENODEV)
            return True

        handlers = {
            USBDEVFS_GET_CAPABILITIES: self._get_capabilities,
            USBDEVFS_CLAIMINTERFACE: self._claim_interface,
            USBDEVFS_DISCONNECT_CLAIM: self._disconnect_claim,
            USBDEVFS_RELEASEINTERFACE: self._release_interface,
            USBDEVFS_GETDRIVER: self._get_driver,
            USBDEVFS_IOCTL: self._driver_ioctl,
            USBDEVFS_SETINTERFACE: self._set_interface,
            USBDEVFS_SETCONFIGURATION: self._set_configuration,
            USBDEVFS_CLEAR_HALT: self._succeed,
            USBDEVFS_RESETEP: self._succeed,
            USBDEVFS_RESET: self._reset,
            USBDEVFS_DROP_PRIVILEGES: self._succeed,
            USBDEVFS_CONNECTINFO: self._connect_info,
            USBDEVFS_GET_SPEED: self._get_speed,
            USBDEVFS_CONTROL: self._sync_control,
            USBDEVFS_BULK: self._sync_bulk,
            USBDEVFS_SUBMITURB: self._submit_urb,
            USBDEVFS_DISCARDURB: self._discard_urb,
        }
        handler = handlers.get(request)
        if handler is None and (request >> 8) & 0xFF == ord("U") and request & 0xFF == USBDEVFS_CONNINFO_EX_NUMBER:
            handler = self._connection_info_ex
        if handler is None:
            return False
        handler(client, state)
        return True

    # Small ioctls

    def _argument(self, client, size):
        return client.get_arg().resolve(0, size)

    def _argument_value(self, client):
        return struct.unpack("<Q", bytes(client.get_arg().retrieve()))[0]

    def _succeed(self, client, state):
        client.complete(0, 0)

    def _get_capabilities(self, client, state):
        self._argument(client, 4).update(0, list(struct.pack("<I", CAPABILITIES)))
        client.complete(0, 0)

    def _claim(self, client, state, interface):
        if interface != 0:
            client.complete(-1, errno.ENOENT)
            return
        for other, other_state in self.clients.items():
            if other is not client and interface in other_state.claimed:
                self.log("claim of interface %d rejected: claimed by another file descriptor" % interface)
                client.complete(-1, errno.EBUSY)
                return
        state.claimed.add(interface)
        self.log("interface %d claimed" % interface)
        client.complete(0, 0)

    def _claim_interface(self, client, state):
        interface = struct.unpack("<I", bytes(self._argument(client, 4).retrieve()))[0]
        self._claim(client, state, interface)

    def _disconnect_claim(self, client, state):
        interface = struct.unpack_from("<I", bytes(self._argument(client, 264).retrieve()))[0]
        self._claim(client, state, interface)

    def _release_interface(self, client, state):
        interface = struct.unpack("<I", bytes(self._argument(client, 4).retrieve()))[0]
        if interface not in state.claimed:
            client.complete(-1, errno.EINVAL)
            return
        state.claimed.discard(interface)
        self.log("interface %d released" % interface)
        client.complete(0, 0)

    def _get_driver(self, client, state):
        # No kernel driver is bound to the emulated interface.
        client.complete(-1, errno.ENODATA)

    def _driver_ioctl(self, client, state):
        code = struct.unpack_from("<i", bytes(self._argument(client, 16).retrieve()), 4)[0]
        if code == USBDEVFS_DISCONNECT:
            client.complete(-1, errno.ENODATA)
        elif code == USBDEVFS_CONNECT:
            client.complete(0, 0)
        else:
            client.complete(-1, errno.ENOTTY)

    def _set_interface(self, client, state):
        interface, alternate = struct.unpack("<II", bytes(self._argument(client, 8).retrieve()))
        client.complete(0, 0) if interface == 0 and alternate == 0 else client.complete(-1, errno.EINVAL)

    def _set_configuration(self, client, state):
        value = struct.unpack("<i", bytes(self._argument(client, 4).retrieve()))[0]
        client.complete(0, 0) if value in (1, -1, 0) else client.complete(-1, errno.EINVAL)

    def _reset(self, client, state):
        self.bulk_out = bytearray()
        self.bulk_in = []
        client.complete(0, 0)

    def _connect_info(self, client, state):
        self._argument(client, 8).update(0, list(struct.pack("<IB3x", self.devnum, 0)))
        client.complete(0, 0)

    def _connection_info_ex(self, client, state):
        size = (client.get_request() >> 16) & 0x3FFF
        port = self.events.port_of(self)
        info = struct.pack("<IIIIB7s", 24, 1, self.devnum, USB_SPEED_FULL, 1, bytes([port]))
        self._argument(client, size).update(0, list(info[:size]))
        client.complete(0, 0)

    def _get_speed(self, client, state):
        client.complete(USB_SPEED_FULL, 0)

    # Control requests

    def control_request(self, setup, out_data):
        """Handles one control request. Returns (status, data): status 0 or -EPIPE."""
        request_type, request, value, index, length = struct.unpack("<BBHHH", setup)
        answer = None

        if request_type == 0x80 and request == 6:
            answer = self._descriptor(value >> 8, value & 0xFF)
        elif request_type == 0x80 and request == 0:
            answer = b"\x00\x00"
        elif request_type == 0x80 and request == 8:
            answer = b"\x01"
        elif request_type in (0x00, 0x01, 0x02) and request in (1, 3, 9, 11):
            answer = b""  # CLEAR_FEATURE, SET_FEATURE, SET_CONFIGURATION, SET_INTERFACE
        elif request_type == 0x21 and request == 0x01:
            self.reader.abort_pending()
            answer = b""  # CCID ABORT
        elif request_type == 0xA1 and request == 0x02:
            answer = struct.pack("<I", 4000)   # GET_CLOCK_FREQUENCIES, kHz
        elif request_type == 0xA1 and request == 0x03:
            answer = struct.pack("<I", 10752)  # GET_DATA_RATES, bit/s

        if answer is None:
            self.log("control request %02x %02x %04x %04x stalled" % (request_type, request, value, index))
            return -errno.EPIPE, b""
        return 0, answer[:length]

    def _descriptor(self, kind, index):
        if kind == 1:
            return self.device_descriptor
        if kind == 2 and index == 0:
            return self.configuration
        if kind == 3 and index == 0:
            return usb.language_descriptor()
        if kind == 3 and index in self.strings:
            return usb.string_descriptor(self.strings[index])
        return None

    def _sync_control(self, client, state):
        transfer = self._argument(client, 24)
        setup = bytes(transfer.retrieve()[:SETUP_PACKET_LENGTH])
        length = struct.unpack_from("<H", setup, 6)[0]
        buffer = transfer.resolve(16, length) if length else None
        out_data = bytes(buffer.retrieve()) if buffer is not None and not setup[0] & 0x80 else b""

        status, answer = self.control_request(setup, out_data)
        if status != 0:
            client.complete(-1, -status)
            return
        if setup[0] & 0x80:
            if answer:
                buffer.update(0, list(answer))
            client.complete(len(answer), 0)
        else:
            client.complete(length, 0)

    def _sync_bulk(self, client, state):
        transfer = self._argument(client, 24)
        endpoint, length, _ = struct.unpack_from("<III", bytes(transfer.retrieve()))
        buffer = transfer.resolve(16, length) if length else None
        if endpoint == usb.BULK_OUT_ENDPOINT:
            self._receive_bulk_out(bytes(buffer.retrieve()) if buffer is not None else b"")
            client.complete(length, 0)
        elif endpoint == usb.BULK_IN_ENDPOINT and self.bulk_in:
            message = self.bulk_in.pop(0)
            if buffer is not None:
                buffer.update(0, list(message[:length]))
            client.complete(min(len(message), length), 0)
        else:
            # NOTE: a synchronous bulk-IN read with no response ready fails at once with
            # ETIMEDOUT; libusb 1.0.26 only uses URBs, so no caller waits here.
            client.complete(-1, errno.ETIMEDOUT)

    # URBs

    def _submit_urb(self, client, state):
        address = self._argument_value(client)
        urb_data = self._argument(client, URB_SIZE)
        fields = bytes(urb_data.retrieve())
        urb_type, endpoint = fields[0], fields[1]
        buffer_length = struct.unpack_from("<i", fields, 24)[0]
        buffer_data = urb_data.resolve(URB_BUFFER_OFFSET, buffer_length) if buffer_length > 0 else None
        urb = Urb(client, address, urb_data, buffer_data, urb_type, endpoint, buffer_length)

        if not self._valid_endpoint(urb):
            client.complete(-1, errno.ENOENT)
            return
        state.empty_reaps = 0
        client.complete(0, 0)

        if urb.type == URB_TYPE_CONTROL:
            self._complete_control(urb)
        elif urb.endpoint == usb.BULK_OUT_ENDPOINT:
            self._complete(urb, 0, len(urb.out_data))
            self._receive_bulk_out(urb.out_data)
        elif urb.endpoint == usb.BULK_IN_ENDPOINT:
            state.pending.append(urb)
            self._deliver_bulk_in()
        else:
            state.pending.append(urb)
            self._deliver_notification()
            self.events.interrupt_pending(self)

    def _valid_endpoint(self, urb):
        if urb.type == URB_TYPE_CONTROL:
            return urb.endpoint == 0 and urb.buffer_length >= SETUP_PACKET_LENGTH
        if urb.type == URB_TYPE_BULK:
            return urb.endpoint in (usb.BULK_OUT_ENDPOINT, usb.BULK_IN_ENDPOINT)
        if urb.type == URB_TYPE_INTERRUPT:
            return urb.endpoint == usb.INTERRUPT_IN_ENDPOINT
        return False

    def _complete_control(self, urb):
        setup = urb.out_data[:SETUP_PACKET_LENGTH]
        status, answer = self.control_request(setup, urb.out_data[SETUP_PACKET_LENGTH:])
        if status != 0:
            self._complete(urb, status, 0)
        elif setup[0] & 0x80:
            self._complete(urb, 0, len(answer), answer, SETUP_PACKET_LENGTH)
        else:
            self._complete(urb, 0, urb.buffer_length - SETUP_PACKET_LENGTH)

    def _discard_urb(self, client, state):
        address = self._argument_value(client)
        for urb in state.pending:
            if urb.address == address:
                state.pending.remove(urb)
                client.complete(0, 0)
                self._complete(urb, -errno.ENOENT, 0)
                return
        client.complete(-1, errno.EINVAL)

    def _complete(self, urb, status, actual_length, in_data=b"", in_offset=0):
        """Moves a URB to its client's completed list and wakes a waiting reap."""
        urb.finish(status, actual_length, in_data, in_offset)
        state = self.clients.get(urb.client)
        if state is None:
            return
        state.completed.append(urb)
        state.empty_reaps = 0
        if state.parked_reap is not None:
            self._finish_parked_reap(urb.client, state)

    def _reap(self, client, state, blocking):
        if state.parked_reap is not None:
            client.complete(-1, errno.EBUSY)
            return
        if state.completed:
            self._hand_over(client, state.completed.pop(0))
            return
        if self.unplugged:
            client.complete(-1, errno.ENODEV)
            return
        if blocking:
            state.parked_reap = (True, None)
            return

        state.empty_reaps += 1
        if state.empty_reaps <= IMMEDIATE_EMPTY_REAPS:
            client.complete(-1, errno.EAGAIN)
            return
        delay = min(IDLE_REAP_MAX_DELAY_MS, state.empty_reaps - IMMEDIATE_EMPTY_REAPS)
        timer = GLib.timeout_add(delay, self._parked_reap_expired, client)
        state.parked_reap = (False, timer)

    def _parked_reap_expired(self, client):
        state = self.clients.get(client)
        if state is not None and state.parked_reap is not None:
            state.parked_reap = None
            client.complete(-1, errno.EAGAIN)
        return False

    def _finish_parked_reap(self, client, state):
        _, timer = state.parked_reap
        state.parked_reap = None
        if timer is not None:
            GLib.source_remove(timer)
        if state.completed:
            self._hand_over(client, state.completed.pop(0))
        else:
            client.complete(-1, errno.ENODEV if self.unplugged else errno.EAGAIN)

    def _hand_over(self, client, urb):
        """Completes a reap ioctl with `urb`: the kernel writes the URB's address into the
        pointer the caller passed, and umockdev syncs the URB and its buffer back."""
        target = client.get_arg().resolve(0, 8)
        target.set_ptr(0, urb.urb_data)
        client.complete(0, 0)

    # Bulk and interrupt data

    def _receive_bulk_out(self, data):
        self.bulk_out += data
        while len(self.bulk_out) >= 10:
            length = struct.unpack_from("<I", self.bulk_out, 1)[0]
            if len(self.bulk_out) < 10 + length:
                return
            message = bytes(self.bulk_out[:10 + length])
            del self.bulk_out[:10 + length]
            self._handle_message(message)

    def _handle_message(self, message):
        self.log("bulk OUT %s" % message.hex())
        if self.unplug_on_next_command_ms is not None:
            delay = self.unplug_on_next_command_ms
            self.unplug_on_next_command_ms = None
            self.log("command received: unplugging in %d ms without answering" % delay)
            self.events.unplug_requested(self, delay)
            return

        total_delay = 0
        for response in self.reader.handle_command(message):
            total_delay += response.delay_ms
            if total_delay == 0:
                self._queue_bulk_in(response.data)
            else:
                self._schedule(total_delay, self._queue_bulk_in, response.data)

    def _schedule(self, delay_ms, function, *arguments):
        def fire():
            self.timers.discard(timer)
            if not self.unplugged:
                function(*arguments)
            return False
        timer = GLib.timeout_add(delay_ms, fire)
        self.timers.add(timer)

    def _queue_bulk_in(self, message):
        self.log("bulk IN %s" % message.hex())
        self.bulk_in.append(message)
        self._deliver_bulk_in()

    def _first_pending(self, endpoint):
        for state in self.clients.values():
            for urb in state.pending:
                if urb.endpoint == endpoint:
                    return state, urb
        return None, None

    def _deliver_bulk_in(self):
        while self.bulk_in:
            state, urb = self._first_pending(usb.BULK_IN_ENDPOINT)
            if urb is None:
                return
            state.pending.remove(urb)
            message = self.bulk_in.pop(0)
            delivered = message[:urb.buffer_length]
            rest = message[urb.buffer_length:]
            status = 0
            if rest and urb.buffer_length % usb.BULK_MAX_PACKET == 0:
                # The transfer ended on a packet boundary: the rest stays in the pipe.
                self.bulk_in.insert(0, rest)
            elif rest:
                # The device sent a packet longer than the space left: babble.
                status = -errno.EOVERFLOW
            self._complete(urb, status, len(delivered), delivered)

    def queue_notification(self, message):
        """Queues a NotifySlotChange; changes not yet read merge into one message."""
        if self.notification is not None:
            message = bytes([message[0], message[1] | (self.notification[1] & 0x02)])
        self.notification = message
        self._deliver_notification()

    def _deliver_notification(self):
        if self.notification is None:
            return
        state, urb = self._first_pending(usb.INTERRUPT_IN_ENDPOINT)
        if urb is None:
            return
        state.pending.remove(urb)
        message = self.notification[:urb.buffer_length]
        self.notification = None
        self.log("interrupt IN %s" % message.hex())
        self._complete(urb, 0, len(message), message)

    # Unplug

    def unplug(self):
        """Makes the device vanish: pending URBs complete with -ENODEV, later ioctls fail."""
        self.unplugged = True
        for timer in list(self.timers):
            GLib.source_remove(timer)
        self.timers.clear()
        for state in list(self.clients.values()):
            pending, state.pending = state.pending, []
            for urb in pending:
                self._complete(urb, -errno.ENODEV, 0)
            if state.parked_reap is not None:
                for client, candidate in self.clients.items():
                    if candidate is state:
                        self._finish_parked_reap(client, state)
                        break
        self.log("unplugged")
