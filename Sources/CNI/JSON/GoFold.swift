/// How Go's `encoding/json` (Go 1.19, the reference plugins' toolchain) matches an object key to
/// a struct field's name when the two are not byte-identical: ASCII letters match regardless of
/// case, and two non-ASCII letters fold onto ASCII ones, U+017F LATIN SMALL LETTER LONG S onto
/// `s`/`S` and U+212A KELVIN SIGN onto `k`/`K` (Go's `equalFoldRight`). Nothing else matches,
/// not even other Unicode case pairs, because every field name here is ASCII.
enum GoFold {
    /// True when `key` folds to the ASCII `name`.
    static func equal(_ key: String, _ name: String) -> Bool {
        let k = key.utf8
        var i = k.startIndex
        for n in name.utf8 {
            guard i != k.endIndex else { return false }
            let c = k[i]
            if c < 0x80 {
                if c != n {
                    let upper = n & 0xDF
                    guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") && c & 0xDF == upper else { return false }
                }
                i = k.index(after: i)
                continue
            }
            // ſ is C5 BF, K is E2 84 AA.
            switch n {
            case UInt8(ascii: "s"), UInt8(ascii: "S"):
                guard c == 0xC5, let j = follows(k, i, [0xBF]) else { return false }
                i = j
            case UInt8(ascii: "k"), UInt8(ascii: "K"):
                guard c == 0xE2, let j = follows(k, i, [0x84, 0xAA]) else { return false }
                i = j
            default:
                return false
            }
        }
        return i == k.endIndex
    }

    /// The index after the lead byte at `i` and the continuation bytes `tail`, if they are there.
    private static func follows(_ k: String.UTF8View, _ i: String.UTF8View.Index, _ tail: [UInt8]) -> String.UTF8View.Index? {
        var j = k.index(after: i)
        for b in tail {
            guard j != k.endIndex, k[j] == b else { return nil }
            j = k.index(after: j)
        }
        return j
    }
}
