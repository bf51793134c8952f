#!/usr/bin/python3
"""Run a command against emulated USB CCID readers (umockdev + libusb, no hardware).

Needs Debian's /usr/bin/python3 with the umockdev GObject bindings (packages umockdev,
gir1.2-umockdev-1.0, python3-gi).
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PRELOAD_LIBRARY = "libumockdev-preload.so.0"

CONTROL_HELP = """\
control channel:
  A UNIX stream socket (path in --control, default <testbed>/control, exported to
  COMMAND as CCID_HARNESS_CONTROL). Send one command per line; every command gets one
  reply line: "ok ..." or "error <reason>". Reader ids are 0, 1, ... in --reader order.

  list                       ids of all readers: "ok 0 1 2"
  status ID                  "ok id=0 mode=tpdu plugged=yes bus=1 address=2 port=1
                             card=present powered=no commands=4 interrupt-urbs=1
                             claimed=yes"
  add MODE [absent]          creates and plugs a new reader: "ok ID"
  plug ID                    plugs an unplugged reader back in (new address), sends
                             uevent add: "ok bus=1 address=5"
  unplug ID                  unplugs: pending URBs fail with ENODEV, later ioctls fail
                             with ENODEV, uevent remove: "ok at=<CLOCK_MONOTONIC s>"
  unplug-during-next ID [MS] the next CCID command is not answered; the reader unplugs
                             MS milliseconds (default 100) after receiving it
  insert ID / remove ID      inserts or removes the card (NotifySlotChange on the
                             interrupt endpoint)
  corrupt-next-block ID      TPDU reader: the card's next T=1 block has a bad LRC
  wait-interrupt ID [MS]     replies once the host has an interrupt URB pending on the
                             reader, or "error timed out" after MS (default 5000)
  help                       this list

  From a shell: ccid_harness.py --send "$CCID_HARNESS_CONTROL" unplug 0

reader modes: tpdu (host runs T=1), short (short APDU level), extended (extended APDU
level with chaining both ways); append ":absent" to start without a card.
The card: see smart_card.py (SELECT F0756D6F636B646576, ECHO 80 10, GENERATE 80 20,
WAIT 80 30, others 6D00).
"""


def send_command(path, words, timeout=30.0):
    """Client side of the control channel: prints the reply, returns the exit status."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    try:
        connection.connect(path)
        connection.sendall((" ".join(words) + "\n").encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as error:
        print("error control channel %s: %s" % (path, error))
        return 2
    finally:
        connection.close()
    text = reply.decode().strip()
    print(text)
    return 0 if text.startswith("ok") else 1


class EmulatedReader:
    """A reader that persists across plug and unplug; `device` is its current USB
    incarnation (None while unplugged)."""

    def __init__(self, identifier, mode, card_present):
        from ccid_reader import CCIDReader
        self.identifier = identifier
        self.mode = mode
        self.reader = CCIDReader(mode, card_present)
        self.port = identifier + 1
        self.serial = "UMD%04d" % identifier
        self.device = None
        self.syspath = None
        self.interface_syspath = None
        self.devnode = None


class Harness:
    def __init__(self, control_path, verbose):
        from gi.repository import GLib, UMockdev
        self.GLib = GLib
        self.testbed = UMockdev.Testbed.new()
        self.root = self.testbed.get_root_dir()
        self.control_path = control_path or os.path.join(self.root, "control")
        self.verbose = verbose
        self.readers = []
        self.next_devnum = 2
        self.interrupt_waiters = []
        self.pending_removals = []
        self.loop = GLib.MainLoop()
        self.child = None
        self.exit_status = 0
        self._add_root_hub()

    def log(self, text):
        if self.verbose:
            print("ccid-harness: %s" % text, file=sys.stderr, flush=True)

    # Testbed layout

    def _add_root_hub(self):
        import usb_descriptors as usb
        attributes = self._attributes(busnum=1, devnum=1, vendor=0x1D6B, product=0x0002, release=0x0606)
        self.hub_syspath = self.testbed.add_device(
            "usb", "usb1", None, attributes,
            ["DEVNAME", "/dev/bus/usb/001/001", "DEVTYPE", "usb_device", "PRODUCT", "1d6b/2/606"])
        self.testbed.set_attribute_binary(self.hub_syspath, "descriptors", list(usb.root_hub_descriptors()))
        self._create_node("/dev/bus/usb/001/001")

    @staticmethod
    def _attributes(busnum, devnum, vendor, product, release, strings=None):
        values = {
            "busnum": str(busnum), "devnum": str(devnum), "speed": "12",
            "bConfigurationValue": "1", "bNumConfigurations": "1", "bNumInterfaces": " 1",
            "idVendor": "%04x" % vendor, "idProduct": "%04x" % product, "bcdDevice": "%04x" % release,
        }
        values.update(strings or {})
        attributes = []
        for name, value in values.items():
            attributes += [name, value + "\n"]
        return attributes

    def _create_node(self, devnode):
        path = self.root + devnode
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").close()

    def _allocate_devnum(self):
        used = {reader.device.devnum for reader in self.readers if reader.device is not None}
        while self.next_devnum in used or self.next_devnum < 2:
            self.next_devnum = 2 if self.next_devnum >= 127 else self.next_devnum + 1
        devnum = self.next_devnum
        self.next_devnum = 2 if devnum >= 127 else devnum + 1
        return devnum

    # Readers

    def add_reader(self, mode, card_present=True):
        reader = EmulatedReader(len(self.readers), mode, card_present)
        self.readers.append(reader)
        self.plug(reader)
        return reader

    def plug(self, reader):
        import usb_descriptors as usb
        from usbfs_device import UsbfsDevice

        self._finish_removals()
        devnum = self._allocate_devnum()
        name = "1-%d" % reader.port
        reader.devnode = "/dev/bus/usb/001/%03d" % devnum
        product_id = usb.PRODUCT_IDS[reader.mode]
        strings = {
            usb.MANUFACTURER_INDEX: usb.MANUFACTURER,
            usb.PRODUCT_INDEX: usb.PRODUCT_NAMES[reader.mode],
            usb.SERIAL_INDEX: reader.serial,
        }
        attributes = self._attributes(1, devnum, usb.VENDOR_ID, product_id, usb.DEVICE_RELEASE, {
            "manufacturer": strings[usb.MANUFACTURER_INDEX],
            "product": strings[usb.PRODUCT_INDEX],
            "serial": strings[usb.SERIAL_INDEX],
        })
        product = "%x/%x/%x" % (usb.VENDOR_ID, product_id, usb.DEVICE_RELEASE)
        reader.syspath = self.testbed.add_device(
            "usb", "usb1/" + name, None, attributes,
            ["DEVNAME", reader.devnode, "DEVTYPE", "usb_device", "PRODUCT", product,
             "BUSNUM", "001", "DEVNUM", "%03d" % devnum])
        descriptors = usb.reader_descriptors(reader.mode)
        self.testbed.set_attribute_binary(reader.syspath, "descriptors", list(descriptors))

        interface_attributes = []
        for key, value in [("bInterfaceNumber", "00"), ("bAlternateSetting", " 0"),
                           ("bInterfaceClass", "0b"), ("bInterfaceSubClass", "00"),
                           ("bInterfaceProtocol", "00"), ("bNumEndpoints", "03")]:
            interface_attributes += [key, value + "\n"]
        reader.interface_syspath = self.testbed.add_device(
            "usb", "usb1/%s/%s:1.0" % (name, name), None, interface_attributes,
            ["DEVTYPE", "usb_interface", "PRODUCT", product, "INTERFACE", "11/0/0"])

        self._create_node(reader.devnode)
        reader.reader.power_cycle()
        reader.device = UsbfsDevice(reader.reader, descriptors, strings, devnum, self, self.verbose)
        self.testbed.attach_ioctl(reader.devnode, reader.device)
        self.testbed.uevent(reader.syspath, "add")
        self.testbed.uevent(reader.interface_syspath, "add")
        self.log("reader %d (%s) plugged in at 1-%d, address %d" % (reader.identifier, reader.mode, reader.port, devnum))

    def unplug(self, reader):
        reader.device.unplug()
        self.testbed.uevent(reader.interface_syspath, "remove")
        self.testbed.uevent(reader.syspath, "remove")
        reader.device = None
        self.log("reader %d unplugged" % reader.identifier)

        # Removing the sysfs entries takes up to tens of milliseconds in umockdev 0.17;
        # doing it after the control reply keeps the reply (and a client's measurement of
        # unplug latency) fast. plug() finishes a pending removal first.
        removal = (reader.devnode, reader.interface_syspath, reader.syspath)
        self.pending_removals.append(removal)
        self.GLib.idle_add(self._finish_removals)

    def _finish_removals(self):
        while self.pending_removals:
            devnode, interface_syspath, syspath = self.pending_removals.pop(0)
            self.testbed.detach_ioctl(devnode)
            self.testbed.remove_device(interface_syspath)
            self.testbed.remove_device(syspath)
            try:
                os.unlink(self.root + devnode)
            except FileNotFoundError:
                pass
        return False

    # Callbacks from UsbfsDevice

    def unplug_requested(self, device, delay_ms):
        def fire():
            reader = self._reader_of(device)
            if reader is not None:
                self.unplug(reader)
            return False
        self.GLib.timeout_add(delay_ms, fire)

    def interrupt_pending(self, device):
        for waiter in list(self.interrupt_waiters):
            reader, reply, timer = waiter
            if reader.device is device:
                self.interrupt_waiters.remove(waiter)
                self.GLib.source_remove(timer)
                reply("ok")

    def port_of(self, device):
        reader = self._reader_of(device)
        return reader.port if reader is not None else 0

    def _reader_of(self, device):
        for reader in self.readers:
            if reader.device is device:
                return reader
        return None

    # Control channel

    def start_control_server(self):
        if os.path.exists(self.control_path):
            os.unlink(self.control_path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.control_path)
        self.server.listen(8)
        self.GLib.io_add_watch(self.server.fileno(), self.GLib.IO_IN, self._accept)

    def _accept(self, *_):
        connection, _ = self.server.accept()
        buffer = bytearray()

        def reply(text):
            try:
                connection.sendall((text + "\n").encode())
            except OSError:
                pass

        def readable(*_):
            try:
                data = connection.recv(4096)
            except OSError:
                data = b""
            if not data:
                connection.close()
                return False
            buffer.extend(data)
            while b"\n" in buffer:
                line, _, rest = bytes(buffer).partition(b"\n")
                buffer[:] = rest
                self._run_command(line.decode(errors="replace").split(), reply)
            return True

        self.GLib.io_add_watch(connection.fileno(), self.GLib.IO_IN | self.GLib.IO_HUP, readable)
        return True

    def _reader_argument(self, words, index=1):
        try:
            return self.readers[int(words[index])]
        except (IndexError, ValueError):
            raise CommandError("missing or unknown reader id (known: %s)"
                               % " ".join(str(r.identifier) for r in self.readers))

    def _run_command(self, words, reply):
        if not words:
            return
        try:
            result = self._execute(words, reply)
        except CommandError as error:
            result = "error %s" % error
        self.log("control: %s -> %s" % (" ".join(words), result))
        if result is not None:
            reply(result)

    def _execute(self, words, reply):
        from ccid_reader import MODES
        command = words[0]

        if command == "help":
            return "ok " + " ".join(line.strip() for line in CONTROL_HELP.splitlines() if line.strip())
        if command == "list":
            return "ok " + " ".join(str(reader.identifier) for reader in self.readers)
        if command == "add":
            if len(words) < 2 or words[1] not in MODES:
                raise CommandError("add needs a mode: %s" % ", ".join(MODES))
            reader = self.add_reader(words[1], card_present=not (len(words) > 2 and words[2] == "absent"))
            return "ok %d" % reader.identifier

        reader = self._reader_argument(words)
        if command == "status":
            return "ok " + self._status(reader)
        if command == "plug":
            if reader.device is not None:
                raise CommandError("reader %d is already plugged in" % reader.identifier)
            self.plug(reader)
            return "ok bus=1 address=%d" % reader.device.devnum
        if reader.device is None and command in ("unplug", "unplug-during-next", "wait-interrupt"):
            raise CommandError("reader %d is not plugged in" % reader.identifier)
        if command == "unplug":
            started = time.monotonic()
            self.unplug(reader)
            return "ok at=%.6f" % started
        if command == "unplug-during-next":
            reader.device.unplug_on_next_command_ms = int(words[2]) if len(words) > 2 else 100
            return "ok"
        if command == "insert":
            self._notify(reader, reader.reader.insert_card())
            return "ok"
        if command == "remove":
            self._notify(reader, reader.reader.remove_card())
            return "ok"
        if command == "corrupt-next-block":
            if reader.mode != "tpdu":
                raise CommandError("corrupt-next-block needs a tpdu reader")
            reader.reader.t1.corrupt_next = True
            return "ok"
        if command == "wait-interrupt":
            return self._wait_interrupt(reader, int(words[2]) if len(words) > 2 else 5000, reply)
        raise CommandError("unknown command %r (try help)" % command)

    def _status(self, reader):
        device = reader.device
        fields = [
            "id=%d" % reader.identifier, "mode=%s" % reader.mode,
            "plugged=%s" % ("yes" if device else "no"),
            "bus=1", "address=%d" % (device.devnum if device else 0), "port=%d" % reader.port,
            "card=%s" % ("present" if reader.reader.card_present else "absent"),
            "powered=%s" % ("yes" if reader.reader.powered else "no"),
            "commands=%d" % reader.reader.commands_handled,
            "interrupt-urbs=%d" % (device.interrupt_urbs_pending() if device else 0),
            "claimed=%s" % ("yes" if device and device.claimed_by_anyone() else "no"),
        ]
        return " ".join(fields)

    def _notify(self, reader, notification):
        if notification is not None and reader.device is not None:
            reader.device.queue_notification(notification)

    def _wait_interrupt(self, reader, timeout_ms, reply):
        if reader.device.interrupt_urbs_pending() > 0:
            return "ok"

        def expired():
            for waiter in list(self.interrupt_waiters):
                if waiter[1] is reply and waiter[0] is reader:
                    self.interrupt_waiters.remove(waiter)
                    reply("error timed out after %d ms waiting for an interrupt URB" % timeout_ms)
            return False
        timer = self.GLib.timeout_add(timeout_ms, expired)
        self.interrupt_waiters.append((reader, reply, timer))
        return None

    # Running the command

    def run(self, command):
        environment = dict(os.environ)
        preload = environment.get("LD_PRELOAD", "")
        if PRELOAD_LIBRARY not in preload.split():
            preload = PRELOAD_LIBRARY + " " + preload
        environment["LD_PRELOAD"] = preload.strip()
        environment["UMOCKDEV_DIR"] = self.root
        environment["CCID_HARNESS_CONTROL"] = self.control_path
        environment["CCID_HARNESS"] = os.path.abspath(__file__)

        try:
            self.child = subprocess.Popen(command, env=environment)
        except OSError as error:
            print("ccid-harness: failed to start %s: %s" % (command[0], error), file=sys.stderr)
            return 127
        self.log("started %s (pid %d)" % (" ".join(command), self.child.pid))
        self.GLib.child_watch_add(self.GLib.PRIORITY_DEFAULT, self.child.pid, self._child_exited)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self.GLib.unix_signal_add(self.GLib.PRIORITY_HIGH, number, self._forward_signal, number)
        self.loop.run()
        return self.exit_status

    def _child_exited(self, pid, status):
        self.exit_status = os.waitstatus_to_exitcode(status)
        if self.exit_status < 0:
            self.exit_status = 128 - self.exit_status
        self.log("command exited with status %d" % self.exit_status)
        self.loop.quit()

    def _forward_signal(self, number):
        if self.child is not None:
            try:
                os.kill(self.child.pid, number)
            except ProcessLookupError:
                pass
        return True

    def cleanup(self):
        try:
            self.server.close()
        except AttributeError:
            pass
        if self.control_path and os.path.exists(self.control_path):
            os.unlink(self.control_path)
        shutil.rmtree(self.root, ignore_errors=True)


class CommandError(Exception):
    pass


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="ccid_harness.py",
        usage="%(prog)s [--reader MODE[:absent]]... [--control PATH] [--verbose] -- COMMAND...\n"
              "       %(prog)s --send PATH CONTROL-COMMAND...",
        description="Start a umockdev testbed with emulated USB CCID readers, run COMMAND in it "
                    "(LD_PRELOAD=libumockdev-preload.so.0, UMOCKDEV_DIR set) and exit with "
                    "COMMAND's status.",
        epilog=CONTROL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", action="append", default=[], metavar="MODE[:absent]",
                        help="add a reader: tpdu, short or extended (repeatable; default: one tpdu)")
    parser.add_argument("--control", metavar="PATH", help="path of the control socket")
    parser.add_argument("--verbose", action="store_true",
                        help="log CCID messages, interface claims, stalled control requests, "
                             "ioctls that are not emulated, plugging and control commands to stderr")
    parser.add_argument("--send", metavar="PATH",
                        help="send CONTROL-COMMAND to a running harness's control socket and print the reply")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args(argv)
    if arguments.command and arguments.command[0] == "--":
        arguments.command = arguments.command[1:]
    if not arguments.command:
        parser.error("missing COMMAND (after --)" if not arguments.send else "missing CONTROL-COMMAND")
    return arguments


def main(argv):
    arguments = parse_arguments(argv)
    if arguments.send:
        return send_command(arguments.send, arguments.command)

    from ccid_reader import MODES
    readers = []
    for spec in arguments.reader or ["tpdu"]:
        mode, _, option = spec.partition(":")
        if mode not in MODES or option not in ("", "absent"):
            print("ccid-harness: invalid --reader %r (expected tpdu, short or extended, "
                  "optionally followed by :absent)" % spec, file=sys.stderr)
            return 2
        readers.append((mode, option != "absent"))

    if PRELOAD_LIBRARY not in os.environ.get("LD_PRELOAD", "").split():
        # umockdev's uevent sender looks devices up through libudev in this process, so
        # the harness itself must run under the preload library, like umockdev-wrapper.
        environment = dict(os.environ)
        environment["LD_PRELOAD"] = (PRELOAD_LIBRARY + " " + environment.get("LD_PRELOAD", "")).strip()
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + argv, environment)

    import gi
    gi.require_version("UMockdev", "1.0")

    harness = Harness(arguments.control, arguments.verbose or os.environ.get("CCID_HARNESS_VERBOSE") == "1")
    try:
        for mode, card_present in readers:
            harness.add_reader(mode, card_present)
        harness.start_control_server()
        return harness.run(arguments.command)
    finally:
        harness.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
