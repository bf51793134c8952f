// A javax.smartcardio session against a pcscd with one virtual reader holding the virtual
// card. Debian's JVM links its PC/SC glue against libpcsclite.so.1, so LD_LIBRARY_PATH
// picks the library, and EXPECTED_LIBRARY is the file that must end up loaded.
//
// Usage: java -cp DIR SmartCardIOSession CONTROL_SOCKET EXPECTED_LIBRARY
//   (with PCSCLITE_CSOCK_NAME naming the daemon's socket)
// Prints one line per check and exits with status 1 when any check failed.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;
import javax.smartcardio.TerminalFactory;

public class SmartCardIOSession {
    static final byte[] ATR = HexFormat.of().parseHex("3B9C9680318045805A73776966742D70637363F5");
    static final byte[] SELECT_AID = HexFormat.of().parseHex("00A404000AF073776966747063736300");
    static final byte[] GET_CHALLENGE = HexFormat.of().parseHex("0084000008");
    static int failures = 0;

    static boolean check(boolean condition, String message) {
        System.out.println((condition ? "ok   " : "FAIL ") + message);
        if (!condition) {
            failures++;
        }
        return condition;
    }

    // Sends one line of the virtual reader control protocol and checks the reply.
    static void control(String socketPath, String line) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socketPath));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            BufferedReader reader = new BufferedReader(
                new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.US_ASCII));
            String reply = reader.readLine();
            check(reply != null && reply.startsWith("ok"), "control '" + line + "' -> '" + reply + "'");
        }
    }

    static boolean libraryLoaded(String expected) throws Exception {
        String real = Path.of(expected).toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.endsWith(" " + real)) {
                return true;
            }
        }
        return false;
    }

    public static void main(String[] arguments) throws Exception {
        String controlSocket = arguments[0];
        String expectedLibrary = arguments[1];

        TerminalFactory factory = TerminalFactory.getInstance("PC/SC", null);
        List<CardTerminal> terminals = factory.terminals().list();
        check(libraryLoaded(expectedLibrary), "the JVM loaded " + expectedLibrary);
        check(terminals.size() == 1, "CardTerminals.list() returns one reader (got " + terminals.size() + ")");
        if (terminals.isEmpty()) {
            System.exit(1);
        }
        CardTerminal terminal = terminals.get(0);
        check(terminal.getName().startsWith("swift-pcsc Virtual CCID Reader"),
            "the reader name is the virtual reader's (" + terminal.getName() + ")");
        check(terminal.isCardPresent(), "isCardPresent() is true");

        Card card = terminal.connect("*");
        check(Arrays.equals(card.getATR().getBytes(), ATR), "Card.getATR() returns the virtual card's ATR");
        check(card.getProtocol().equals("T=1"), "the protocol is T=1 (got " + card.getProtocol() + ")");

        CardChannel channel = card.getBasicChannel();
        ResponseAPDU select = channel.transmit(new CommandAPDU(SELECT_AID));
        check(select.getSW() == 0x9000, String.format("SELECT answers 9000 (got %04X)", select.getSW()));
        ResponseAPDU challenge = channel.transmit(new CommandAPDU(GET_CHALLENGE));
        check(challenge.getSW() == 0x9000, String.format("GET CHALLENGE answers 9000 (got %04X)", challenge.getSW()));
        check(challenge.getData().length == 8, "GET CHALLENGE returns 8 bytes (got " + challenge.getData().length + ")");

        // ECHO (80 10 00 00 Lc data) returns the data. 250 bytes is close to the short APDU limit.
        byte[] data = new byte[250];
        for (int index = 0; index < data.length; index++) {
            data[index] = (byte) index;
        }
        ResponseAPDU echo = channel.transmit(new CommandAPDU(0x80, 0x10, 0x00, 0x00, data));
        check(echo.getSW() == 0x9000, String.format("ECHO of 250 bytes answers 9000 (got %04X)", echo.getSW()));
        check(Arrays.equals(echo.getData(), data), "ECHO returns the 250 bytes sent");

        card.beginExclusive();
        ResponseAPDU inTransaction = channel.transmit(new CommandAPDU(GET_CHALLENGE));
        check(inTransaction.getSW() == 0x9000, "GET CHALLENGE inside beginExclusive answers 9000");
        card.endExclusive();

        // CM_IOCTL_GET_FEATURE_REQUEST is SCARD_CTL_CODE(3400). Its reply is 6-byte entries (tag,
        // length 4, control code), and the virtual reader lists FEATURE_GET_TLV_PROPERTIES (0x12).
        byte[] features = card.transmitControlCommand(0x42000000 + 3400, new byte[0]);
        check(features.length > 0 && features.length % 6 == 0,
            "CM_IOCTL_GET_FEATURE_REQUEST returns 6-byte entries (" + features.length + " bytes)");
        boolean tlvProperties = false;
        for (int offset = 0; offset + 6 <= features.length; offset += 6) {
            tlvProperties |= features[offset] == 0x12;
        }
        check(tlvProperties, "the features include FEATURE_GET_TLV_PROPERTIES");
        card.disconnect(false);

        control(controlSocket, "remove 0");
        check(terminal.waitForCardAbsent(5000), "waitForCardAbsent reports the removal");
        check(!terminal.isCardPresent(), "isCardPresent() is false after the removal");
        try {
            terminal.connect("*");
            check(false, "connect without a card fails");
        } catch (CardException expected) {
            check(true, "connect without a card fails (" + expected.getMessage() + ")");
        }
        control(controlSocket, "insert 0");
        check(terminal.waitForCardPresent(5000), "waitForCardPresent reports the insertion");

        Card again = terminal.connect("T=1");
        check(Arrays.equals(again.getATR().getBytes(), ATR), "the inserted card has the ATR");
        again.disconnect(true);

        System.out.println(failures == 0 ? "all checks passed" : "failed checks: " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }
}
