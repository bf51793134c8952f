import Glibc
import PCSCTypes
import PCSCWire

/// The daemon's reader array as `getStatusChange`, `listReaders` and `status` look at it:
/// `count` entries of `READER_STATE` (184 bytes each) as they arrived, in the daemon's
/// slot order. Slots with an empty name are unused and skipped.
///
/// Fields are read in place, and the bytes never change after the array is filled.
/// Decoding every entry into a `ReaderStateEntry` took three allocations per entry on
/// every fetch, 48 for the fixed 16-entry array. The first `[ReaderStateEntry]` and
/// `ReaderStateEntry?` of a process also cost about 80 000 instructions of metadata
/// instantiation (callgrind, a first `SCardListReaders` and `SCardStatus`).
final class ReaderArray: @unchecked Sendable {
    let count: Int
    private let bytes: UnsafeMutableRawBufferPointer

    /// Creates an array of `count` entries whose bytes `fill` writes.
    init<Failure: Error>(count: Int, fill: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        self.count = count
        bytes = .allocate(byteCount: max(1, count * ReaderStateEntry.size), alignment: 8)
        // When `fill` throws, the object is already complete, so `deinit` frees the bytes.
        try fill(UnsafeMutableRawBufferPointer(rebasing: bytes[..<(count * ReaderStateEntry.size)]))
    }

    /// Creates an array from decoded entries (tests, and the empty array).
    convenience init(_ entries: [ReaderStateEntry]) {
        self.init(count: entries.count) { (bytes: UnsafeMutableRawBufferPointer) in
            for (index, entry) in entries.enumerated() {
                entry.encode(into: UnsafeMutableRawBufferPointer(rebasing: bytes[Self.range(of: index)]))
            }
        }
    }

    deinit {
        bytes.deallocate()
    }

    /// Decodes the entry in slot `index`.
    func entry(at index: Int) -> ReaderStateEntry {
        ReaderStateEntry(decoding: UnsafeRawBufferPointer(rebasing: bytes[Self.range(of: index)]))
    }

    /// Reader names in array order (the daemon's slot order, not plug order), with their
    /// bytes as the daemon sent them.
    var readerNames: [ReaderName] {
        var names: [ReaderName] = []
        for index in 0..<count where !isUnused(index) {
            names.append(ReaderName(bytes: nameField(index)))
        }
        return names
    }

    var readerCount: Int {
        var readers = 0
        for index in 0..<count where !isUnused(index) {
            readers += 1
        }
        return readers
    }

    /// Returns the slot of the reader whose name equals `name` byte for byte, as `strcmp`
    /// compares them, or nil.
    func index(named name: ReaderName) -> Int? {
        name.bytes.withUnsafeBytes { wanted in
            guard !wanted.isEmpty, wanted.count < ReaderStateEntry.nameSize else { return nil }
            return (0..<count).first { index in
                let field = nameField(index)
                return field[wanted.count] == 0 && memcmp(field.baseAddress!, wanted.baseAddress!, wanted.count) == 0
            }
        }
    }

    /// True for a slot without a reader (empty name).
    func isUnused(_ index: Int) -> Bool {
        nameField(index)[0] == 0
    }

    private func nameField(_ index: Int) -> UnsafeRawBufferPointer {
        let start = Self.range(of: index).lowerBound
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + ReaderStateEntry.nameSize])
    }

    private static func range(of index: Int) -> Range<Int> {
        index * ReaderStateEntry.size..<(index + 1) * ReaderStateEntry.size
    }
}
