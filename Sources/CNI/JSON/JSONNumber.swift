/// A JSON number, kept as its literal text so it round-trips exactly.
///
/// Numbers read from JSON keep their original spelling (`1.0`, `1e3`, `18446744073709551615`).
/// Numbers built from Swift values are spelled as Go's `encoding/json` spells them, so the JSON we
/// print matches the reference plugins byte for byte.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The RFC 8259 number text.
    public let literal: String

    /// A number from already validated JSON number text.
    init(validatedLiteral: String) { literal = validatedLiteral }

    /// A number from RFC 8259 number text; nil if the text is not one.
    public init?(literal: String) {
        var parser = JSONParser(Array(literal.utf8))
        guard case .number(let n)? = try? parser.parseDocument() else { return nil }
        self = n
    }

    public init<I: BinaryInteger>(_ value: I) { literal = String(value) }

    /// A number from a finite double, formatted as Go formats a `float64`: the shortest text that
    /// round-trips, in plain notation for 1e-6 ≤ |x| < 1e21 and exponent notation otherwise
    /// (`1e+21`, `1e-7`). Traps on NaN and infinities, which JSON cannot represent.
    public init(_ value: Double) {
        guard let n = JSONNumber(exactly: value) else { preconditionFailure("JSON cannot represent \(value)") }
        self = n
    }

    /// As ``init(_:)-(Double)``, but nil for NaN and infinities.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        literal = Self.goFormat(value)
    }

    /// True when the literal has no fraction and no exponent.
    public var isInteger: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as a `Double` (the nearest one for long literals).
    public var double: Double { Double(literal) ?? .nan }

    /// The exact integer value if it fits an `Int`: `3`, `3.0` and `3e0` all give 3, `3.5` gives nil.
    public var int: Int? { exactInteger(Int.self) }

    /// The exact integer value if it fits an `Int64`.
    public var int64: Int64? { exactInteger(Int64.self) }

    /// The exact integer value if it fits a `UInt64`.
    public var uint64: UInt64? { exactInteger(UInt64.self) }

    /// The exact integer value if it fits `T`.
    public func exactInteger<T: FixedWidthInteger>(_: T.Type) -> T? {
        if isInteger { return T(literal) }
        let d = double
        guard d.isFinite, d.rounded(.towardZero) == d else { return nil }
        return T(exactly: d)
    }

    public var description: String { literal }

    static func goFormat(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Swift prints the shortest round-tripping digits; only the layout differs from Go's.
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        var exponent = 0
        var negative = false
        var text = Array(value.description.utf8)[...]
        if text.first == UInt8(ascii: "-") {
            negative = true
            text = text.dropFirst()
        }
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
            text = text[..<e]
        }
        for c in text {
            if c == UInt8(ascii: ".") { pointPosition = digits.count } else { digits.append(c) }
        }
        // value = 0.d1d2…dn × 10^k
        var k = (pointPosition ?? digits.count) + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            k -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let n = digits.count
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        let magnitude = Swift.abs(value)
        if magnitude < 1e-6 || magnitude >= 1e21 {
            out.append(digits[0])
            if n > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let e = k - 1
            // Go pads the exponent to two digits, then strips the pad of negative ones (e-07 → e-7);
            // positive exponents here are at least 21, so neither ever shows.
            out.append(contentsOf: Array("e\(e < 0 ? "-" : "+")\(Swift.abs(e))".utf8))
        } else if k <= 0 {
            out.append(contentsOf: Array("0.".utf8))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -k))
            out.append(contentsOf: digits)
        } else if k >= n {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: k - n))
        } else {
            out.append(contentsOf: digits[..<k])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[k...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
