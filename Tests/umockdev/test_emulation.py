"""Unit tests of the emulated card, its T=1 side and the CCID reader logic (no USB).

Run: python3 -m unittest discover -s Tests/umockdev -p 'test_*.py'
"""

import os
import struct
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ccid_reader import CCIDReader, class_descriptor  # noqa: E402
from smart_card import ATR, KNOWN_AID, SmartCard, parse_apdu  # noqa: E402
from t1_card import T1Card, lrc, make_block  # noqa: E402


def command(message_type, payload=b"", sequence=0, byte7=0, level=0, slot=0):
    return struct.pack("<BIBBBH", message_type, len(payload), slot, sequence, byte7, level) + payload


def select_apdu(aid=KNOWN_AID):
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


class SmartCardTests(unittest.TestCase):
    def test_atr_check_byte(self):
        check = 0
        for byte in ATR[1:]:
            check ^= byte
        self.assertEqual(check, 0)

    def test_parse_cases(self):
        self.assertEqual(parse_apdu(bytes(4)), (bytes(4), b"", False))
        self.assertEqual(parse_apdu(bytes(4) + b"\x10"), (bytes(4), b"", True))
        self.assertEqual(parse_apdu(bytes(4) + b"\x02ab"), (bytes(4), b"ab", False))
        self.assertEqual(parse_apdu(bytes(4) + b"\x02ab\x00"), (bytes(4), b"ab", True))
        self.assertEqual(parse_apdu(bytes(4) + b"\x00\x01\x00"), (bytes(4), b"", True))
        extended = bytes(4) + b"\x00\x01\x2c" + bytes(300) + b"\x00\x00"
        self.assertEqual(parse_apdu(extended), (bytes(4), bytes(300), True))
        self.assertIsNone(parse_apdu(bytes(4) + b"\x05ab"))

    def test_commands(self):
        card = SmartCard()
        self.assertEqual(card.process(select_apdu()).data, b"\x90\x00")
        self.assertEqual(card.process(select_apdu(b"\xA0\x00")).data, b"\x6A\x82")
        self.assertEqual(card.process(b"\x80\x10\x00\x00\x03abc").data, b"abc\x90\x00")
        self.assertEqual(card.process(b"\x80\x20\x01\x02").data, bytes(i & 0xFF for i in range(258)) + b"\x90\x00")
        self.assertEqual(card.process(b"\x80\x30\x02\x00").extensions, 2)
        self.assertEqual(card.process(b"\x00\xB0\x00\x00").data, b"\x6D\x00")
        self.assertEqual(card.process(b"\x00\xA4\x04\x00\x05ab").data, b"\x67\x00")


class T1CardTests(unittest.TestCase):
    def setUp(self):
        self.card = T1Card(SmartCard())

    def test_single_block_exchange(self):
        answer = self.card.receive(make_block(0x00, select_apdu()))
        self.assertEqual(answer, make_block(0x00, b"\x90\x00"))

    def test_bad_lrc_gets_r_block(self):
        block = bytearray(make_block(0x00, select_apdu()))
        block[-1] ^= 0x01
        self.assertEqual(self.card.receive(bytes(block)), make_block(0x81))

    def test_host_chaining(self):
        apdu = b"\x80\x10\x00\x00\x28" + bytes(range(40))
        self.assertEqual(self.card.receive(make_block(0x20, apdu[:32])), make_block(0x90))
        answer = self.card.receive(make_block(0x40, apdu[32:]))
        # 42 response bytes exceed the default IFSD of 32, so the card chains them too.
        self.assertEqual(answer, make_block(0x20, bytes(range(32))))
        answer = self.card.receive(make_block(0x90))
        self.assertEqual(answer, make_block(0x40, bytes(range(32, 40)) + b"\x90\x00"))

    def test_card_chaining_and_retransmission(self):
        first = self.card.receive(make_block(0x00, b"\x80\x20\x00\x28"))
        self.assertEqual(first, make_block(0x20, bytes(range(32))))
        self.assertEqual(self.card.receive(make_block(0x80)), first)
        second = self.card.receive(make_block(0x90))
        self.assertEqual(second, make_block(0x40, bytes(range(32, 40)) + b"\x90\x00"))

    def test_ifs_and_resynch(self):
        self.assertEqual(self.card.receive(make_block(0xC1, b"\xFE")), make_block(0xE1, b"\xFE"))
        self.assertEqual(self.card.ifsd, 254)
        self.card.receive(make_block(0x00, select_apdu()))
        self.assertEqual(self.card.receive(make_block(0xC0)), make_block(0xE0))
        self.assertEqual(self.card.receive(make_block(0x00, select_apdu())), make_block(0x00, b"\x90\x00"))

    def test_wtx(self):
        self.assertEqual(self.card.receive(make_block(0x00, b"\x80\x30\x01\x00")), make_block(0xC3, b"\x01"))
        self.assertEqual(self.card.receive(make_block(0xE3, b"\x01")), make_block(0x00, b"\x90\x00"))

    def test_corrupt_next(self):
        self.card.corrupt_next = True
        answer = self.card.receive(make_block(0x00, select_apdu()))
        self.assertNotEqual(lrc(answer[:-1]), answer[-1])
        self.assertEqual(self.card.receive(make_block(0x81)), make_block(0x00, b"\x90\x00"))


class CCIDReaderTests(unittest.TestCase):
    def test_class_descriptor_layout(self):
        descriptor = class_descriptor("extended")
        self.assertEqual(len(descriptor), 54)
        self.assertEqual(struct.unpack_from("<I", descriptor, 40)[0] & 0x70000, 0x40000)
        self.assertEqual(struct.unpack_from("<I", descriptor, 44)[0], 271)

    def test_power_on_and_sequence_echo(self):
        reader = CCIDReader("short")
        answer = reader.handle_command(command(0x62, sequence=7))[0].data
        self.assertEqual(answer[:10], struct.pack("<BIBBBBB", 0x80, len(ATR), 0, 7, 0, 0, 0))
        self.assertEqual(answer[10:], ATR)

    def test_wrong_slot_fails(self):
        answer = CCIDReader("short").handle_command(command(0x65, slot=1))[0].data
        self.assertEqual(answer[7:9], bytes([0x41, 0x05]))

    def test_short_apdu_time_extension(self):
        reader = CCIDReader("short")
        reader.handle_command(command(0x62))
        messages = reader.handle_command(command(0x6F, b"\x80\x30\x02\x00", sequence=3))
        self.assertEqual([m.data[7] for m in messages], [0x80, 0x80, 0x00])
        self.assertEqual(messages[-1].data[10:], b"\x90\x00")
        self.assertTrue(all(m.data[6] == 3 for m in messages))

    def test_extended_chaining_both_ways(self):
        reader = CCIDReader("extended")
        reader.handle_command(command(0x62))
        apdu = b"\x80\x10\x00\x00\x00\x01\xF4" + bytes(i & 0xFF for i in range(500)) + b"\x00\x00"
        first = reader.handle_command(command(0x6F, apdu[:261], level=1))[0].data
        self.assertEqual((first[9], len(first)), (0x10, 10))
        answer = reader.handle_command(command(0x6F, apdu[261:], level=2))[0].data
        self.assertEqual(answer[9], 0x01)
        data = answer[10:]
        while True:
            answer = reader.handle_command(command(0x6F, level=0x10))[0].data
            data += answer[10:]
            if answer[9] == 0x02:
                break
            self.assertEqual(answer[9], 0x03)
        self.assertEqual(data, bytes(i & 0xFF for i in range(500)) + b"\x90\x00")

    def test_card_movement_notifications(self):
        reader = CCIDReader("tpdu", card_present=False)
        self.assertEqual(reader.insert_card(), b"\x50\x03")
        self.assertIsNone(reader.insert_card())
        self.assertEqual(reader.remove_card(), b"\x50\x02")


if __name__ == "__main__":
    unittest.main()
