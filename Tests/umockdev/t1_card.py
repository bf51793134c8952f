"""The card side of the T=1 block protocol (ISO 7816-3 section 11), for the TPDU reader.

A TPDU-level reader passes each block unchanged, so the card answers one block per block
from the host. Blocks are NAD | PCB | LEN | INF | LRC; the card uses NAD 0 and LRC only.
Supported: I-block chaining in both directions, R-block acknowledgement and
retransmission, S(RESYNCH), S(IFS), S(ABORT) and S(WTX) requests from the card.
"""

from smart_card import CARD_IFSC

DEFAULT_IFSD = 32

R_BLOCK = 0x80
S_BLOCK = 0xC0
S_RESPONSE = 0x20
S_RESYNCH = 0x00
S_IFS = 0x01
S_ABORT = 0x02
S_WTX = 0x03
M_BIT = 0x20

R_ERROR_NONE = 0
R_ERROR_EDC = 1
R_ERROR_OTHER = 2


def lrc(data):
    value = 0
    for byte in data:
        value ^= byte
    return value


def make_block(pcb, inf=b""):
    prologue = bytes([0x00, pcb, len(inf)]) + bytes(inf)
    return prologue + bytes([lrc(prologue)])


def i_block_pcb(sequence, more):
    return (sequence << 6) | (M_BIT if more else 0)


def r_block_pcb(sequence, error):
    return R_BLOCK | (sequence << 4) | error


class T1Card:
    """One card's T=1 state, reset at every power-up.

    `card` processes complete APDUs (see smart_card.SmartCard). `receive` takes one block
    from the host and returns the card's answer block.
    """

    def __init__(self, card):
        self.card = card
        self.reset()

    def reset(self):
        self.send_sequence = 0       # N(S) of the card's next I-block
        self.receive_sequence = 0    # N(S) the card expects in the host's next I-block
        self.ifsd = DEFAULT_IFSD     # largest INF the host accepts
        self.ifsc = CARD_IFSC        # largest INF the card accepts
        self.command = bytearray()   # chained command received so far
        self.response = b""          # response still to send
        self.pending_extensions = 0  # S(WTX) requests still to send before the response
        self.last_block = None       # last block sent, for retransmission
        self.last_i_block = None     # last I-block sent, for retransmission
        self.last_i_more = False
        self.corrupt_next = False    # damage the LRC of the next block (error injection)

    def receive(self, block):
        answer = self._answer(bytes(block))
        self.last_block = answer
        if self.corrupt_next:
            self.corrupt_next = False
            return answer[:-1] + bytes([answer[-1] ^ 0xFF])
        return answer

    def _answer(self, block):
        if len(block) < 4 or block[2] == 0xFF or block[2] != len(block) - 4:
            return self._r_block(R_ERROR_OTHER)
        if lrc(block[:-1]) != block[-1]:
            return self._r_block(R_ERROR_EDC)

        pcb = block[1]
        inf = block[3:-1]
        if pcb & 0x80 == 0:
            return self._on_i_block(pcb, inf)
        if pcb & 0xC0 == R_BLOCK:
            return self._on_r_block(pcb)
        return self._on_s_block(pcb, inf)

    def _r_block(self, error):
        return make_block(r_block_pcb(self.receive_sequence, error))

    def _on_i_block(self, pcb, inf):
        sequence = (pcb >> 6) & 1
        more = bool(pcb & M_BIT)
        if sequence != self.receive_sequence or len(inf) > self.ifsc:
            return self._r_block(R_ERROR_OTHER)

        # A new I-block from the host also acknowledges the card's last I-block.
        self.receive_sequence ^= 1
        self.response = b""
        self.command += inf
        if more:
            return self._r_block(R_ERROR_NONE)

        answer = self.card.process(bytes(self.command))
        self.command = bytearray()
        self.response = answer.data
        self.pending_extensions = answer.extensions
        return self._next_after_command()

    def _next_after_command(self):
        if self.pending_extensions > 0:
            self.pending_extensions -= 1
            return make_block(S_BLOCK | S_WTX, bytes([1]))
        return self._send_next_chunk()

    def _send_next_chunk(self):
        chunk = self.response[:self.ifsd]
        self.response = self.response[self.ifsd:]
        more = len(self.response) > 0
        block = make_block(i_block_pcb(self.send_sequence, more), chunk)
        self.send_sequence ^= 1
        self.last_i_block = block
        self.last_i_more = more
        return block

    def _on_r_block(self, pcb):
        sequence = (pcb >> 4) & 1
        if self.last_block is not None and self.last_block is not self.last_i_block:
            # The host missed the card's last R-block or S-block: send it again.
            return self.last_block
        if self.last_i_block is None:
            return self._r_block(R_ERROR_OTHER)

        # The card already toggled N(S) after sending; the host asks for the next block
        # when its N(R) equals the card's current N(S).
        if self.last_i_more and sequence == self.send_sequence:
            return self._send_next_chunk()
        return self.last_i_block

    def _on_s_block(self, pcb, inf):
        kind = pcb & 0x1F
        is_response = bool(pcb & S_RESPONSE)

        if is_response and kind == S_WTX:
            return self._next_after_command()
        if is_response:
            return self._r_block(R_ERROR_OTHER)
        if kind == S_RESYNCH:
            self.reset_sequences()
            return make_block(S_BLOCK | S_RESPONSE | S_RESYNCH)
        if kind == S_IFS and len(inf) == 1 and 1 <= inf[0] <= 254:
            self.ifsd = inf[0]
            return make_block(S_BLOCK | S_RESPONSE | S_IFS, inf)
        if kind == S_ABORT:
            self.command = bytearray()
            self.response = b""
            return make_block(S_BLOCK | S_RESPONSE | S_ABORT)
        return self._r_block(R_ERROR_OTHER)

    def reset_sequences(self):
        self.send_sequence = 0
        self.receive_sequence = 0
        self.command = bytearray()
        self.response = b""
        self.pending_extensions = 0
        self.last_i_block = None
        self.last_block = None
