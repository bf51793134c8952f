/// A growable list in memory of its own, for the few entries of the handle tables.
///
/// The tables used `Dictionary` and `Set` before. The first insert into each of those
/// instantiated its generic storage class by mangled name at run time and scanned the
/// protocol-conformance records. That took about 0.19 M of the 0.30 M instructions of a
/// process's first `SCardEstablishContext` (callgrind). This list is specialized at
/// compile time and allocates with `UnsafeMutablePointer`, so it needs no metadata at run
/// time. Lookups are linear, as in pcsc-lite's own handle lists, because a process holds
/// a few contexts and a few card handles per context.
struct SmallList<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 4
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    mutating func append(_ element: consuming Element) {
        if count == capacity {
            grow()
        }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// Returns the index of the first element that satisfies `predicate`.
    func firstIndex(where predicate: (borrowing Element) -> Bool) -> Int? {
        for index in 0..<count where predicate(storage[index]) {
            return index
        }
        return nil
    }

    func contains(where predicate: (borrowing Element) -> Bool) -> Bool {
        firstIndex(where: predicate) != nil
    }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "index \(index) outside a list of \(count)")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) outside a list of \(count)")
            storage[index] = newValue
        }
    }

    /// Removes the element at `index` and returns it. The last element takes its place,
    /// so the order of the others is not kept.
    @discardableResult
    mutating func swapRemove(at index: Int) -> Element {
        precondition(index >= 0 && index < count, "index \(index) outside a list of \(count)")
        let removed = (storage + index).move()
        count -= 1
        if index != count {
            (storage + index).moveInitialize(from: storage + count, count: 1)
        }
        return removed
    }

    private mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity *= 2
    }
}

// The list owns its memory alone and cannot be copied, so it can move between threads
// whenever its elements can.
extension SmallList: @unchecked Sendable where Element: Sendable {}
