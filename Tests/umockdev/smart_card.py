"""A small ISO 7816-4 card that the emulated readers hold.

The card speaks T=1 only (its ATR announces T=1 and nothing else) and accepts short and
extended APDUs. Commands:

  00 A4 04 xx Lc AID [Le]   SELECT by AID: 9000 when AID is KNOWN_AID, else 6A82.
  80 10 00 00 Lc DATA [Le]  ECHO: returns DATA followed by 9000.
  80 20 P1 P2 [Le]          GENERATE: returns N = P1 * 256 + P2 bytes, byte i being
                            i mod 256, followed by 9000.
  80 30 P1 00 [Le]          WAIT: the card asks for P1 waiting-time extensions before it
                            answers 9000 (S(WTX) blocks at TPDU level, time-extension
                            frames at APDU level).
  any other INS             6D00 (instruction not supported).
  malformed length fields   6700 (wrong length).
"""

# TS=3B (direct convention), T0=88 (TD1 follows, 8 historical bytes), TD1=81 (TD2
# follows, T=1), TD2=31 (TA3 and TB3 follow, T=1), TA3=20 (IFSC 32), TB3=45 (BWI 4,
# CWI 5), historical bytes "umockdev", TCK.
ATR_WITHOUT_TCK = bytes([0x3B, 0x88, 0x81, 0x31, 0x20, 0x45]) + b"umockdev"


def _with_check_byte(atr_body):
    check = 0
    for byte in atr_body[1:]:
        check ^= byte
    return atr_body + bytes([check])


ATR = _with_check_byte(ATR_WITHOUT_TCK)

# The information field size of the card (TA3 in the ATR).
CARD_IFSC = 0x20

KNOWN_AID = bytes([0xF0, 0x75, 0x6D, 0x6F, 0x63, 0x6B, 0x64, 0x65, 0x76])

SW_OK = bytes([0x90, 0x00])
SW_FILE_NOT_FOUND = bytes([0x6A, 0x82])
SW_WRONG_LENGTH = bytes([0x67, 0x00])
SW_INS_NOT_SUPPORTED = bytes([0x6D, 0x00])


class CardResponse:
    """The card's answer to one APDU: response bytes (data and status word) and how many
    waiting-time extensions the card requests before delivering them."""

    def __init__(self, data, extensions=0):
        self.data = data
        self.extensions = extensions


def parse_apdu(apdu):
    """Split an APDU into (header, data, has_le). Returns None when the length fields do
    not match the APDU's size (ISO 7816-4 cases 1, 2S, 3S, 4S, 2E, 3E, 4E)."""
    if len(apdu) < 4:
        return None
    header = apdu[:4]
    body = apdu[4:]

    if len(body) == 0:
        return header, b"", False
    if len(body) == 1:
        return header, b"", True
    if body[0] != 0:
        length = body[0]
        rest = body[1:]
        if len(rest) == length:
            return header, rest, False
        if len(rest) == length + 1:
            return header, rest[:length], True
        return None

    # Extended length: a zero byte, then two length bytes.
    if len(body) == 3:
        return header, b"", True
    if len(body) < 3:
        return None
    length = (body[1] << 8) | body[2]
    rest = body[3:]
    if length == 0:
        return None
    if len(rest) == length:
        return header, rest, False
    if len(rest) == length + 2:
        return header, rest[:length], True
    return None


class SmartCard:
    """The card's APDU interpreter. Holds no transport state."""

    def process(self, apdu):
        parsed = parse_apdu(apdu)
        if parsed is None:
            return CardResponse(SW_WRONG_LENGTH)
        header, data, _ = parsed
        cla, ins, p1, p2 = header

        if ins == 0xA4 and p1 == 0x04:
            if data == KNOWN_AID:
                return CardResponse(SW_OK)
            return CardResponse(SW_FILE_NOT_FOUND)
        if cla == 0x80 and ins == 0x10:
            return CardResponse(bytes(data) + SW_OK)
        if cla == 0x80 and ins == 0x20:
            count = (p1 << 8) | p2
            return CardResponse(bytes(i & 0xFF for i in range(count)) + SW_OK)
        if cla == 0x80 and ins == 0x30:
            return CardResponse(SW_OK, extensions=p1)
        return CardResponse(SW_INS_NOT_SUPPORTED)
