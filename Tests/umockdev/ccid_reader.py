"""The device side of a one-slot USB CCID reader (CCID 1.1), without any USB plumbing.

`CCIDReader.handle_command(message)` takes one complete bulk-OUT message and returns the
bulk-IN messages to send, each with the delay in milliseconds before it. Card insertion
and removal produce RDR_to_PC_NotifySlotChange messages for the interrupt endpoint.

Exchange levels (the "personality" of the reader, set by dwFeatures):
  tpdu      XfrBlock carries T=1 blocks; the host runs T=1 and the card side of T=1 is
            emulated (t1_card.T1Card).
  short     XfrBlock carries one whole APDU, and the response must fit in one message.
  extended  XfrBlock carries APDUs chained with wLevelParameter, answers are chained
            with bChainParameter (both ways, 0x00/0x01/0x02/0x03/0x10).
"""

import struct

from smart_card import ATR, CARD_IFSC, SmartCard
from t1_card import T1Card

MODES = ("tpdu", "short", "extended")

HEADER_LENGTH = 10
MAX_MESSAGE_LENGTH = 271  # dwMaxCCIDMessageLength: 10-byte header + 261 bytes
MAX_IFSD = 254

# Bulk-OUT message types.
PC_TO_RDR_SET_PARAMETERS = 0x61
PC_TO_RDR_ICC_POWER_ON = 0x62
PC_TO_RDR_ICC_POWER_OFF = 0x63
PC_TO_RDR_GET_SLOT_STATUS = 0x65
PC_TO_RDR_SECURE = 0x69
PC_TO_RDR_T0_APDU = 0x6A
PC_TO_RDR_ESCAPE = 0x6B
PC_TO_RDR_GET_PARAMETERS = 0x6C
PC_TO_RDR_RESET_PARAMETERS = 0x6D
PC_TO_RDR_ICC_CLOCK = 0x6E
PC_TO_RDR_XFR_BLOCK = 0x6F
PC_TO_RDR_MECHANICAL = 0x71
PC_TO_RDR_ABORT = 0x72
PC_TO_RDR_SET_DATA_RATE = 0x73

# Bulk-IN and interrupt-IN message types.
RDR_TO_PC_DATA_BLOCK = 0x80
RDR_TO_PC_SLOT_STATUS = 0x81
RDR_TO_PC_PARAMETERS = 0x82
RDR_TO_PC_ESCAPE = 0x83
RDR_TO_PC_DATA_RATE = 0x84
RDR_TO_PC_NOTIFY_SLOT_CHANGE = 0x50

RESPONSE_TYPE = {
    PC_TO_RDR_ICC_POWER_ON: RDR_TO_PC_DATA_BLOCK,
    PC_TO_RDR_XFR_BLOCK: RDR_TO_PC_DATA_BLOCK,
    PC_TO_RDR_SECURE: RDR_TO_PC_DATA_BLOCK,
    PC_TO_RDR_SET_PARAMETERS: RDR_TO_PC_PARAMETERS,
    PC_TO_RDR_GET_PARAMETERS: RDR_TO_PC_PARAMETERS,
    PC_TO_RDR_RESET_PARAMETERS: RDR_TO_PC_PARAMETERS,
    PC_TO_RDR_ESCAPE: RDR_TO_PC_ESCAPE,
    PC_TO_RDR_SET_DATA_RATE: RDR_TO_PC_DATA_RATE,
}

# bmICCStatus (bits 0-1 of bStatus).
ICC_ACTIVE = 0
ICC_INACTIVE = 1
ICC_ABSENT = 2
# bmCommandStatus (bits 6-7 of bStatus).
COMMAND_FAILED = 0x40
TIME_EXTENSION = 0x80

# bError values.
ERROR_CMD_NOT_SUPPORTED = 0x00
ERROR_BAD_SLOT = 0x05
ERROR_BAD_PROTOCOL = 0x07
ERROR_XFR_OVERRUN = 0xFC
ERROR_ICC_MUTE = 0xFE

# Chaining values of wLevelParameter / bChainParameter (extended APDU level).
CHAIN_COMPLETE = 0x00
CHAIN_BEGIN = 0x01
CHAIN_END = 0x02
CHAIN_CONTINUE = 0x03
CHAIN_NEXT_PLEASE = 0x10

# dwFeatures: automatic parameter configuration, voltage, clock and baud rate, automatic
# PPS, plus the exchange level; APDU readers also do the IFSD exchange themselves.
FEATURES_COMMON = 0x02 | 0x08 | 0x10 | 0x20 | 0x80
FEATURES = {
    "tpdu": FEATURES_COMMON | 0x00010000,
    "short": FEATURES_COMMON | 0x400 | 0x00020000,
    "extended": FEATURES_COMMON | 0x400 | 0x00040000,
}

# Delay of each time-extension frame before the next message, in milliseconds.
TIME_EXTENSION_DELAY_MS = 50

# T=1 protocol data structure: Fi/Di 0x11, LRC and direct convention, guard time 0,
# BWI 4 / CWI 5, no clock stop, IFSC from the ATR, NAD 0.
DEFAULT_T1_PARAMETERS = bytes([0x11, 0x10, 0x00, 0x45, 0x00, CARD_IFSC, 0x00])


def class_descriptor(mode):
    """The 54-byte CCID class descriptor of a reader in `mode`."""
    return struct.pack(
        "<BBHBBIIIBIIBIIIIIBBHBB",
        0x36, 0x21,          # bLength, bDescriptorType
        0x0110,              # bcdCCID 1.10
        0,                   # bMaxSlotIndex: one slot
        0x07,                # bVoltageSupport: 5 V, 3 V, 1.8 V
        0x00000002,          # dwProtocols: T=1
        4000, 8000,          # dwDefaultClock, dwMaximumClock (kHz)
        0,                   # bNumClockSupported
        10752, 344086,       # dwDataRate, dwMaxDataRate (bit/s)
        0,                   # bNumDataRatesSupported
        MAX_IFSD,            # dwMaxIFSD
        0, 0,                # dwSynchProtocols, dwMechanical
        FEATURES[mode],      # dwFeatures
        MAX_MESSAGE_LENGTH,  # dwMaxCCIDMessageLength
        0xFF, 0xFF,          # bClassGetResponse, bClassEnvelope: echo the command's CLA
        0x0000,              # wLcdLayout: no display
        0x00,                # bPINSupport: none
        1,                   # bMaxCCIDBusySlots
    )


class ReaderMessage:
    """One bulk-IN message and how long the reader waits before sending it."""

    def __init__(self, data, delay_ms=0):
        self.data = data
        self.delay_ms = delay_ms


class CCIDReader:
    def __init__(self, mode, card_present=True):
        if mode not in MODES:
            raise ValueError("unknown reader mode %r (expected one of %s)" % (mode, ", ".join(MODES)))
        self.mode = mode
        self.card = SmartCard()
        self.t1 = T1Card(self.card)
        self.card_present = card_present
        self.powered = False
        self.parameters = DEFAULT_T1_PARAMETERS
        self.command_chain = bytearray()   # extended level: APDU received so far
        self.response_chain = b""          # extended level: response bytes still to send
        self.commands_handled = 0

    # Slot state

    def icc_status(self):
        if not self.card_present:
            return ICC_ABSENT
        return ICC_ACTIVE if self.powered else ICC_INACTIVE

    def insert_card(self):
        """Inserts the card; returns the NotifySlotChange message (None if no change)."""
        if self.card_present:
            return None
        self.card_present = True
        return self.slot_change_notification()

    def remove_card(self):
        """Removes the card; returns the NotifySlotChange message (None if no change)."""
        if not self.card_present:
            return None
        self.card_present = False
        self.powered = False
        self._reset_exchange_state()
        return self.slot_change_notification()

    def slot_change_notification(self):
        """NotifySlotChange for slot 0 with the "changed" bit set."""
        present_bit = 0x01 if self.card_present else 0x00
        return bytes([RDR_TO_PC_NOTIFY_SLOT_CHANGE, present_bit | 0x02])

    def _reset_exchange_state(self):
        self.t1.reset()
        self.command_chain = bytearray()
        self.response_chain = b""
        self.parameters = DEFAULT_T1_PARAMETERS

    # Messages

    def handle_command(self, message):
        """Processes one complete bulk-OUT message; returns a list of ReaderMessage."""
        self.commands_handled += 1
        message_type = message[0]
        length = struct.unpack_from("<I", message, 1)[0]
        slot, sequence = message[5], message[6]
        payload = bytes(message[HEADER_LENGTH:HEADER_LENGTH + length])
        context = _Command(message_type, slot, sequence, message[7], message[8], message[9], payload)

        if slot != 0:
            return [self._failure(context, ERROR_BAD_SLOT)]

        handler = {
            PC_TO_RDR_ICC_POWER_ON: self._power_on,
            PC_TO_RDR_ICC_POWER_OFF: self._power_off,
            PC_TO_RDR_GET_SLOT_STATUS: self._slot_status,
            PC_TO_RDR_XFR_BLOCK: self._xfr_block,
            PC_TO_RDR_SET_PARAMETERS: self._set_parameters,
            PC_TO_RDR_GET_PARAMETERS: self._get_parameters,
            PC_TO_RDR_RESET_PARAMETERS: self._reset_parameters,
            PC_TO_RDR_ESCAPE: self._escape,
            PC_TO_RDR_ABORT: self._abort,
        }.get(message_type)
        if handler is None:
            return [self._failure(context, ERROR_CMD_NOT_SUPPORTED)]
        return handler(context)

    def _message(self, context, status, error=0, specific=0, payload=b"", delay_ms=0):
        response_type = RESPONSE_TYPE.get(context.message_type, RDR_TO_PC_SLOT_STATUS)
        header = struct.pack("<BIBBBBB", response_type, len(payload), context.slot,
                             context.sequence, status, error, specific)
        return ReaderMessage(header + payload, delay_ms)

    def _failure(self, context, error):
        return self._message(context, COMMAND_FAILED | self.icc_status(), error)

    def _power_on(self, context):
        if context.byte7 > 3:
            return [self._failure(context, 7)]
        if not self.card_present:
            return [self._failure(context, ERROR_ICC_MUTE)]
        self.powered = True
        self._reset_exchange_state()
        return [self._message(context, ICC_ACTIVE, payload=ATR)]

    def _power_off(self, context):
        self.powered = False
        self._reset_exchange_state()
        return [self._message(context, self.icc_status())]

    def _slot_status(self, context):
        return [self._message(context, self.icc_status())]

    def _abort(self, context):
        self.abort_pending()
        return [self._message(context, self.icc_status())]

    def abort_pending(self):
        """Drops a half-received chained command and the rest of a chained response."""
        self.command_chain = bytearray()
        self.response_chain = b""

    def power_cycle(self):
        """Starts over as a freshly plugged-in reader: the card (if any) is unpowered."""
        self.powered = False
        self._reset_exchange_state()

    def _escape(self, context):
        return [self._message(context, self.icc_status(), payload=context.payload)]

    def _get_parameters(self, context):
        if not self.card_present:
            return [self._failure(context, ERROR_ICC_MUTE)]
        return [self._message(context, self.icc_status(), specific=1, payload=self.parameters)]

    def _reset_parameters(self, context):
        self.parameters = DEFAULT_T1_PARAMETERS
        return self._get_parameters(context)

    def _set_parameters(self, context):
        if not self.card_present:
            return [self._failure(context, ERROR_ICC_MUTE)]
        if context.byte7 != 1:
            return [self._failure(context, ERROR_BAD_PROTOCOL)]
        if len(context.payload) != len(DEFAULT_T1_PARAMETERS):
            return [self._failure(context, 1)]
        self.parameters = context.payload
        return [self._message(context, self.icc_status(), specific=1, payload=self.parameters)]

    def _xfr_block(self, context):
        if not self.card_present or not self.powered:
            return [self._failure(context, ERROR_ICC_MUTE)]
        if self.mode == "tpdu":
            return [self._message(context, ICC_ACTIVE, payload=self.t1.receive(context.payload))]
        if self.mode == "short":
            return self._short_apdu(context)
        return self._extended_apdu(context)

    def _answer_with_extensions(self, context, answer, send):
        """Time-extension frames (one per card request) followed by the messages `send`
        builds from the card's response bytes."""
        frames = [self._message(context, TIME_EXTENSION | ICC_ACTIVE, error=1,
                                delay_ms=TIME_EXTENSION_DELAY_MS if index > 0 else 0)
                  for index in range(answer.extensions)]
        final = send(answer.data)
        if answer.extensions > 0:
            final.delay_ms = TIME_EXTENSION_DELAY_MS
        return frames + [final]

    def _short_apdu(self, context):
        answer = self.card.process(context.payload)
        if len(answer.data) > MAX_MESSAGE_LENGTH - HEADER_LENGTH:
            return [self._failure(context, ERROR_XFR_OVERRUN)]
        return self._answer_with_extensions(
            context, answer, lambda data: self._message(context, ICC_ACTIVE, payload=data))

    def _extended_apdu(self, context):
        level = context.byte8 | (context.byte9 << 8)
        if level == CHAIN_NEXT_PLEASE:
            return [self._next_response_chunk(context)]
        if level in (CHAIN_BEGIN, CHAIN_CONTINUE):
            if level == CHAIN_BEGIN:
                self.command_chain = bytearray()
            self.command_chain += context.payload
            return [self._message(context, ICC_ACTIVE, specific=CHAIN_NEXT_PLEASE)]
        if level == CHAIN_END:
            apdu = bytes(self.command_chain + context.payload)
        elif level == CHAIN_COMPLETE:
            apdu = context.payload
        else:
            return [self._failure(context, 8)]

        self.command_chain = bytearray()
        answer = self.card.process(apdu)
        return self._answer_with_extensions(context, answer, lambda data: self._first_response_chunk(context, data))

    def _first_response_chunk(self, context, data):
        chunk_size = MAX_MESSAGE_LENGTH - HEADER_LENGTH
        self.response_chain = data[chunk_size:]
        chain = CHAIN_BEGIN if self.response_chain else CHAIN_COMPLETE
        return self._message(context, ICC_ACTIVE, specific=chain, payload=data[:chunk_size])

    def _next_response_chunk(self, context):
        if not self.response_chain:
            return self._failure(context, 8)
        chunk_size = MAX_MESSAGE_LENGTH - HEADER_LENGTH
        chunk = self.response_chain[:chunk_size]
        self.response_chain = self.response_chain[chunk_size:]
        chain = CHAIN_CONTINUE if self.response_chain else CHAIN_END
        return self._message(context, ICC_ACTIVE, specific=chain, payload=chunk)


class _Command:
    def __init__(self, message_type, slot, sequence, byte7, byte8, byte9, payload):
        self.message_type = message_type
        self.slot = slot
        self.sequence = sequence
        self.byte7 = byte7
        self.byte8 = byte8
        self.byte9 = byte9
        self.payload = payload
