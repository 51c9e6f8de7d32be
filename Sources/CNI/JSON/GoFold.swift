/// How Go's `encoding/json` (Go 1.19, the reference plugins' toolchain) matches an object key to
/// a struct field's name when the two are not byte-identical: ASCII letters match regardless of
/// case, and two non-ASCII letters fold onto ASCII ones, U+017F LATIN SMALL LETTER LONG S onto
/// `s`/`S` and U+212A KELVIN SIGN onto `k`/`K` (Go's `equalFoldRight`). Nothing else matches,
/// not even other Unicode case pairs, because every field name here is ASCII.
///
/// Configs are read at every plugin exec, so this works on the bytes directly: a key of another
/// length than the name is rejected at once, and only a key with `ſ` or `K` takes the slow path.
enum GoFold {
    /// How `key` relates to the ASCII field `name`.
    enum Match {
        case exact, folded, none
    }

    /// Whether `key` is `name` exactly, folds to it, or neither.
    @inline(__always)
    static func match(_ key: String, _ name: String) -> Match {
        // Most keys are not the field asked about, and most of those differ in length.
        let kc = key.utf8.count
        let nc = name.utf8.count
        guard kc == nc || (kc > nc && kc <= 3 * nc) else { return .none }
        return withBytes(key) { k in withBytes(name) { n in match(k, n) } }
    }

    /// True when `key` folds to the ASCII `name` (an exact match folds too).
    static func equal(_ key: String, _ name: String) -> Bool { match(key, name) != .none }

    /// True when two keys are the same bytes (as Go compares them; Swift's `==` would also equate
    /// canonically equivalent spellings of an accented letter).
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && withBytes(a) { x in withBytes(b) { y in x.elementsEqual(y) } }
    }

    /// The string's UTF-8 bytes, without a copy for native strings (all of ours).
    @inline(__always)
    private static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    static func match(_ k: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Match {
        guard k.count == n.count else {
            // ſ is two bytes and K three where the name has one.
            return k.count > n.count && k.count <= 3 * n.count ? slowFold(k, n) : .none
        }
        var exact = true
        for i in 0..<n.count where k[i] != n[i] {
            let upper = n[i] & 0xDF
            guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") && k[i] & 0xDF == upper else { return .none }
            exact = false
        }
        return exact ? .exact : .folded
    }

    /// The fold with `ſ` (C5 BF) or `K` (E2 84 AA) in the key.
    private static func slowFold(_ k: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Match {
        var i = 0
        for c in n {
            guard i < k.count else { return .none }
            let b = k[i]
            if b < 0x80 {
                if b != c {
                    let upper = c & 0xDF
                    guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") && b & 0xDF == upper else { return .none }
                }
                i += 1
            } else if (c == UInt8(ascii: "s") || c == UInt8(ascii: "S")) && b == 0xC5 && i + 1 < k.count && k[i + 1] == 0xBF {
                i += 2
            } else if (c == UInt8(ascii: "k") || c == UInt8(ascii: "K")) && b == 0xE2 && i + 2 < k.count
                && k[i + 1] == 0x84 && k[i + 2] == 0xAA
            {
                i += 3
            } else {
                return .none
            }
        }
        return i == k.count ? .folded : .none
    }
}
