import CNI
import Foundation

/// The JSON parser against itself (print → parse is a fixed point) and against Foundation's
/// `JSONSerialization`, a strict RFC 8259 decoder written independently: on inputs both are meant
/// to read alike (valid UTF-8, no unpaired surrogate escapes, nesting Foundation allows) they must
/// accept the same documents and read the same values. Go's own behaviour is compared offline on
/// the corpus (`scripts/fuzz/godiff`), since Go cannot run in-process.
enum JSONFuzz {
    static func run(_ bytes: [UInt8]) {
        let ours: JSONValue?
        do {
            ours = try JSONParser.parse(bytes)
        } catch {
            ours = nil
            _ = error.description  // every error renders
        }
        if let ours {
            for style in [JSONSerializer.Style.compact, .pretty] {
                let printed = JSONSerializer.bytes(ours, style: style)
                let again = try? JSONParser.parse(printed)
                fuzzCheck(again == ours, "print/parse round trip differs: \(String(decoding: printed, as: UTF8.self))")
            }
            _ = ours.throughGoInterface
        }
        compareWithFoundation(bytes, ours)
    }

    /// Nesting beyond which Foundation refuses what Go reads.
    static let foundationDepth = 500

    static func comparable(_ bytes: [UInt8]) -> Bool {
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        // Foundation stops reading at a NUL byte and takes what came before ("0\0" reads as 0);
        // Go, and we, refuse the NUL as a character after the value.
        guard !bytes.contains(0) else { return false }
        // \uD800–\uDFFF: Go repairs an unpaired one to U+FFFD, Foundation refuses it.
        var i = 0
        var depth = 0
        var maxDepth = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "u"),
                bytes[i + 2] | 0x20 == UInt8(ascii: "d")
            {
                return false
            }
            if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { depth -= 1 }
            maxDepth = max(maxDepth, depth)
            i += 1
        }
        return maxDepth < foundationDepth
    }

    static func compareWithFoundation(_ bytes: [UInt8], _ ours: JSONValue?) {
        guard comparable(bytes) else { return }
        let theirs: Any?
        do {
            theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            // Foundation refuses numbers it cannot represent as a Swift number; the syntax is fine.
            if "\(error)".contains("representable") || "\(error)".lowercased().contains("number") { return }
            theirs = nil
        }
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        // Foundation reads a trailing comma in an array or object ("[1,]"); Go, and we, refuse it.
        if ours == nil, theirs != nil, hasTrailingComma(bytes) { return }
        fuzzCheck((ours == nil) == (theirs == nil), "acceptance differs (ours \(ours == nil ? "refuses" : "reads"), Foundation's \(theirs == nil ? "refuses" : "reads")): \(text)")
        if let ours, let theirs {
            fuzzCheck(same(ours, theirs), "values differ: \(text)")
        }
    }

    /// A comma followed (after whitespace) by `]` or `}` outside strings.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var lastSignificant: UInt8 = 0
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true }
            if (b == UInt8(ascii: "]") || b == UInt8(ascii: "}")) && lastSignificant == UInt8(ascii: ",") { return true }
            if ![0x20, 0x09, 0x0a, 0x0d].contains(b) { lastSignificant = b }
        }
        return false
    }

    static func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let b): return (theirs as? Bool) == b
        case .string(let s): return (theirs as? String) == s
        case .number(let n):
            guard let d = Double(n.literal) else { return true }
            // Foundation keeps long numbers as decimals (38 digits), whose double can be off
            // by a few units in the last place from the correctly rounded one Go and we read.
            if let t = theirs as? NSNumber {
                return t.doubleValue == d || !d.isFinite || abs(t.doubleValue - d) <= abs(d) * 1e-12
            }
            return false
        case .array(let a):
            guard let t = theirs as? [Any], t.count == a.count else { return false }
            return zip(a, t).allSatisfy { same($0, $1) }
        case .object(let o):
            // Go's map reading: the last of a repeated key wins; Foundation agrees or keeps the
            // first, so repeated keys compare only by key set.
            guard let t = theirs as? [String: Any] else { return false }
            let unique = o.uniqued
            guard Set(unique.members.map(\.key)) == Set(t.keys) else { return false }
            let repeated = unique.members.count != o.members.count
            return repeated || unique.members.allSatisfy { m in t[m.key].map { same(m.value, $0) } ?? false }
        }
    }
}
