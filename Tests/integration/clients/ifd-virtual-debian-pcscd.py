"""Client half of ifd-virtual-debian-pcscd.sh: drives Debian's pcscd with the IFDVirtual
handler loaded, through Debian's libpcsclite (pyscard) and the handler's control socket.

Usage: PCSCLITE_CSOCK_NAME=<pcscd socket> python3 ifd-virtual-debian-pcscd.py <control socket>
Exits with status 1 and one line per failed check when anything differs.
"""

import socket
import sys

from smartcard.scard import (
    SCARD_ATTR_ATR_STRING, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, SCARD_ATTR_VENDOR_NAME,
    SCARD_LEAVE_CARD, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_S_SUCCESS, SCARD_SCOPE_USER,
    SCARD_SHARE_SHARED, SCARD_STATE_EMPTY, SCARD_STATE_MUTE, SCARD_STATE_PRESENT,
    SCARD_STATE_UNAWARE, SCardConnect, SCardControl, SCARD_CTL_CODE, SCardDisconnect,
    SCardEstablishContext, SCardGetAttrib, SCardGetStatusChange, SCardListReaders,
    SCardReleaseContext, SCardTransmit, SCardGetErrorMessage,
)

READER = "Virtual IFD 00 00"
ATR = bytes.fromhex("3B 9C 96 80 31 80 45 80 5A 73 77 69 66 74 2D 70 63 73 63 F5")
SELECT_AID = bytes.fromhex("00A404000AF073776966747063736300")

failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def succeeded(hresult, call):
    check(hresult == SCARD_S_SUCCESS, f"{call}: {SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})")
    return hresult == SCARD_S_SUCCESS


class ControlSocket:
    """A line client of the handler's control socket."""

    def __init__(self, path):
        self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.connection.connect(path)
        self.reader = self.connection.makefile("r")

    def request(self, line):
        self.connection.sendall((line + "\n").encode())
        reply = self.reader.readline().rstrip("\n")
        check(reply.startswith("ok"), f"control '{line}' -> '{reply}'")
        return reply


def wait_for_state(context, known_state, expected, unwanted=0, timeout_ms=5000):
    """Waits until the reader's state has every `expected` bit and no `unwanted` bit."""
    state = known_state
    for _ in range(10):
        hresult, states = SCardGetStatusChange(context, timeout_ms, [(READER, state)])
        if hresult != SCARD_S_SUCCESS:
            return hresult, state
        state = states[0][1] & ~0x2  # clear SCARD_STATE_CHANGED
        if state & expected == expected and state & unwanted == 0:
            return hresult, state
    return hresult, state


def transmit(card, protocol, apdu):
    pci = SCARD_PROTOCOL_T1 if protocol == SCARD_PROTOCOL_T1 else SCARD_PROTOCOL_T0
    hresult, response = SCardTransmit(card, pci, list(apdu))
    succeeded(hresult, f"SCardTransmit {apdu[:5].hex(' ')}")
    return bytes(response)


def check_t1_exchanges(context):
    hresult, card, protocol = SCardConnect(context, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    if not succeeded(hresult, "SCardConnect T0|T1"):
        return
    check(protocol == SCARD_PROTOCOL_T1, f"pcscd chose T=1 (got protocol {protocol})")

    fci = transmit(card, protocol, SELECT_AID)
    check(fci[:2] == b"\x6F\x13" and fci[-2:] == b"\x90\x00", f"SELECT by AID returns the FCI: {fci.hex(' ')}")
    read = transmit(card, protocol, bytes.fromhex("00B0820004"))
    check(read == b"0123\x90\x00", f"READ BINARY by SFI 2: {read.hex(' ')}")
    short = transmit(card, protocol, bytes.fromhex("8012000000"))
    check(len(short) == 258 and short[-2:] == b"\x90\x00", f"GENERATE Le=00 returns 258 bytes (got {len(short)})")
    extended = transmit(card, protocol, bytes.fromhex("80120000000000"))
    check(len(extended) == 65538 and extended[65535] == 0xFF, f"GENERATE Le=0000 returns 65538 bytes (got {len(extended)})")

    hresult, vendor = SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME)
    if succeeded(hresult, "SCardGetAttrib VENDOR_NAME"):
        check(bytes(vendor) == b"swift-pcsc\x00", f"vendor name: {bytes(vendor)!r}")
    hresult, serial = SCardGetAttrib(card, SCARD_ATTR_VENDOR_IFD_SERIAL_NO)
    if succeeded(hresult, "SCardGetAttrib VENDOR_IFD_SERIAL_NO"):
        check(bytes(serial) == b"VC0000\x00", f"serial number: {bytes(serial)!r}")
    hresult, atr = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING)
    if succeeded(hresult, "SCardGetAttrib ATR_STRING"):
        check(bytes(atr) == ATR, f"ATR attribute: {bytes(atr).hex(' ')}")

    hresult, features = SCardControl(card, SCARD_CTL_CODE(3400), [])
    if succeeded(hresult, "SCardControl CM_IOCTL_GET_FEATURE_REQUEST"):
        check(bytes(features).hex() == "060442330006070442330007" "0a044233000a120442330012",
              f"feature list: {bytes(features).hex(' ')}")

    succeeded(SCardDisconnect(card, SCARD_LEAVE_CARD), "SCardDisconnect")


def check_t0_exchanges(context):
    hresult, card, protocol = SCardConnect(context, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0)
    if not succeeded(hresult, "SCardConnect T0 after re-insertion"):
        return
    check(protocol == SCARD_PROTOCOL_T0, f"protocol T=0 (got {protocol})")
    wrong_le = transmit(card, protocol, bytes.fromhex("0084000000"))
    check(wrong_le == b"\x6C\x08", f"T=0 GET CHALLENGE with P3=00 gives 6C08: {wrong_le.hex(' ')}")
    select = transmit(card, protocol, SELECT_AID[:-1])
    check(select == b"\x61\x15", f"T=0 SELECT gives 6115: {select.hex(' ')}")
    fci = transmit(card, protocol, bytes.fromhex("00C0000015"))
    check(len(fci) == 0x17 and fci[-2:] == b"\x90\x00", f"T=0 GET RESPONSE returns the FCI: {fci.hex(' ')}")
    succeeded(SCardDisconnect(card, SCARD_LEAVE_CARD), "SCardDisconnect")


def main():
    control = ControlSocket(sys.argv[1])
    hresult, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if not succeeded(hresult, "SCardEstablishContext"):
        return 1

    hresult, readers = SCardListReaders(context, [])
    succeeded(hresult, "SCardListReaders")
    check(readers == [READER], f"reader list: {readers}")
    listing = control.request("list")
    check(listing in ("ok 0.0=present", "ok 0.0=powered"), f"control list shows the card: '{listing}'")

    hresult, state = wait_for_state(context, SCARD_STATE_UNAWARE, SCARD_STATE_PRESENT)
    check(hresult == SCARD_S_SUCCESS and state & SCARD_STATE_PRESENT, f"card present at start (state 0x{state:X})")
    hresult, states = SCardGetStatusChange(context, 0, [(READER, SCARD_STATE_UNAWARE)])
    check(bytes(states[0][2]) == ATR, f"ATR in the reader state: {bytes(states[0][2]).hex(' ')}")

    check_t1_exchanges(context)

    control.request("remove 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_EMPTY)
    check(hresult == SCARD_S_SUCCESS and state & SCARD_STATE_EMPTY, f"GetStatusChange reports removal (state 0x{state:X})")
    control.request("insert 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_PRESENT)
    check(hresult == SCARD_S_SUCCESS and state & SCARD_STATE_PRESENT, f"GetStatusChange reports insertion (state 0x{state:X})")

    check_t0_exchanges(context)

    control.request("fault 0 mute")
    control.request("remove 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_EMPTY)
    control.request("insert 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_PRESENT | SCARD_STATE_MUTE)
    check(state & SCARD_STATE_MUTE, f"a muted card is reported MUTE (state 0x{state:X})")
    control.request("fault 0 clear")
    control.request("remove 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_EMPTY)
    control.request("insert 0")
    hresult, state = wait_for_state(context, state, SCARD_STATE_PRESENT, unwanted=SCARD_STATE_MUTE)
    check(state & SCARD_STATE_PRESENT and not state & SCARD_STATE_MUTE, f"cleared fault: card present again (state 0x{state:X})")

    SCardReleaseContext(context)
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
